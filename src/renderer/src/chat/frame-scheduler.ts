import type { Scheduler } from './batch';

/** requestAnimationFrame, with a timer behind it: a hidden tab gets no frames but must not hoard text. */
export const frameScheduler: Scheduler = {
  request(cb) {
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      cancelAnimationFrame(raf);
      clearTimeout(timer);
      cb();
    };
    const raf = requestAnimationFrame(run);
    const timer = setTimeout(run, 250);
    return () => {
      done = true;
      cancelAnimationFrame(raf);
      clearTimeout(timer);
    };
  },
};
