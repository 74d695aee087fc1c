function e(e,t){return e<=0||t.aborted?Promise.resolve():new Promise(o=>{const r=setTimeout(n,e);function n(){clearTimeout(r),t.removeEventListener("abort",n),o()}t.addEventListener("abort",n,{once:!0})})}export{e as s};
//# sourceMappingURL=sleep-C9X_4Kfn.js.map
