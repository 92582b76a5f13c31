// Preloaded with NODE_OPTIONS=--import (which refuses --cpu-prof itself): profiles this
// process with the inspector and writes <CPU_PROF_DIR>/<pid>.cpuprofile when it exits.
import fs from "node:fs";
import inspector from "node:inspector";
import path from "node:path";

const dir = process.env.CPU_PROF_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post("Profiler.enable", () => session.post("Profiler.start"));
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    session.post("Profiler.stop", (err, result) => {
      if (err) return;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.on("exit", write);
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
      write();
      // Exit only where nothing else handles the signal: the app's own handler must still stop its children.
      if (process.listenerCount(signal) === 1) process.exit(0);
    });
  }
}
