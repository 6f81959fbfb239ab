/**
 * SIGTERM and SIGINT handlers. Node running as PID 1 (as in the Docker image) ignores a signal it has no
 * handler for, so without these `docker stop` would wait out its grace period and kill runs midway.
 * The first signal drains (`drain` decides how) and exits 0; a second one exits at once.
 */
export function onShutdownSignal(drain: (signal: string) => Promise<void>, log: { info(msg: string): void; error(obj: unknown, msg?: string): void }): void {
  let draining = false;
  const handler = (signal: NodeJS.Signals) => {
    if (draining) {
      log.info(`${signal} again: exiting now`);
      process.exit(1);
    }
    draining = true;
    log.info(`${signal}: stopping (finishing runs in progress first)`);
    drain(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
