// Preloaded (node -r) to run as Node 20 before 20.16 does: without process.getBuiltinModule.
delete process.getBuiltinModule
