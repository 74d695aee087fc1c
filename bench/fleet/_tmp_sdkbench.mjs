import { startAwsServer } from '/work/main/dist/testing.js'
import { fork } from 'node:child_process'
if (process.argv[2] === 'child') {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager')
  process.once('message', async ({ endpoint, clients, calls }) => {
    const cs = Array.from({ length: clients }, () => new SecretsManagerClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 }))
    const t = performance.now(); const cpu0 = process.cpuUsage()
    let n = 0
    await Promise.all(cs.map(async (c) => { for (let k = 0; k < 2; k++) await Promise.all(Array.from({ length: 10 }, () => c.send(new GetSecretValueCommand({ SecretId: 's0' })).then(() => n++))) }))
    const t1 = performance.now(); const cpu1 = process.cpuUsage(cpu0)
    // second round warm clients
    await Promise.all(cs.map(async (c) => { for (let k = 0; k < 2; k++) await Promise.all(Array.from({ length: 10 }, () => c.send(new GetSecretValueCommand({ SecretId: 's0' })).then(() => n++))) }))
    const t2 = performance.now(); const cpu2 = process.cpuUsage(cpu0)
    process.send({ first: t1 - t, firstCpu: (cpu1.user + cpu1.system) / 1000, second: t2 - t1, secondCpu: (cpu2.user + cpu2.system) / 1000 - (cpu1.user + cpu1.system) / 1000, n }, () => process.exit(0))
  })
} else {
  const server = await startAwsServer({ seed: { secrets: { s0: 'x'.repeat(200) } }, latencyMs: Number(process.argv[3] ?? 20) })
  const clients = Number(process.argv[2] ?? 100)
  const c = fork(new URL(import.meta.url).pathname, ['child'], { env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' } })
  const cpu0 = process.cpuUsage()
  c.send({ endpoint: server.endpoint, clients })
  c.on('message', (m) => { const cpu = process.cpuUsage(cpu0); console.log(clients, 'clients', JSON.stringify(m), 'server cpu ms', ((cpu.user + cpu.system) / 1000).toFixed(0)); server.close() })
}
