// One job of a scenario, in a process of its own (forked by run.mjs with --expose-gc), so
// that its peak RSS (getrusage maxRSS) belongs to that job alone.
//
// Job kinds (sent by the parent over IPC):
//   measure  state = setup(params); variant(state, params) gives one function or several
//            labelled ones; each is timed `rounds` times after `warmup` calls, one after the
//            other, or, when the variant says `interleave: true`, in turns (a round runs
//            each once: lib.mjs timeInterleaved).
//   task     returns tasks[name](params) (input generation, size-only measurements).
//   legacy   returns run(params) of a scenario with the old `{ name, run }` shape.
import { pathToFileURL } from 'node:url';
import { peakRssMB, timeInterleaved, timeRounds } from './lib.mjs';

async function runJob(job) {
  const mod = await import(pathToFileURL(job.module).href);
  if (job.kind === 'legacy') return { legacy: await mod.run(job.params) };
  if (job.kind === 'task') return { value: await mod.tasks[job.task](job.params) };
  const state = await mod.setup(job.params);
  globalThis.gc?.();
  const setupRssMB = peakRssMB();
  const made = await mod.variants[job.variant](state, job.params);
  const runs = typeof made === 'function' ? { '': made } : made.runs;
  let times = {};
  let cpuTimes = {};
  if (made.interleave === true) {
    const t = await timeInterleaved(runs, job);
    times = t.wall;
    cpuTimes = t.cpu;
  } else
    for (const [label, fn] of Object.entries(runs)) {
      const t = job.rounds === 0 ? { wall: [], cpu: [] } : await timeRounds(fn, job);
      times[label] = t.wall;
      cpuTimes[label] = t.cpu;
    }
  const info = typeof made === 'function' ? undefined : await made.info?.();
  await made.close?.();
  return { times, cpuTimes, info, meta: state.meta, setupRssMB };
}

process.once('message', (job) => {
  runJob(job).then(
    (out) => process.send({ ok: true, ...out, peakRssMB: peakRssMB() }, () => process.exit(0)),
    (error) =>
      process.send({ ok: false, error: error?.stack ?? String(error) }, () => process.exit(1)),
  );
});
