/** Resolves on the first SIGINT/SIGTERM, or when `done` settles, whichever comes first. */
export async function untilInterrupted(done?: Promise<unknown>): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    done?.then(stop, (err) => {
      stop();
      reject(err);
    });
  });
}
