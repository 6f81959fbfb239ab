import { CHECK_NAME } from './check-run.js';
import { errorMessage, type Log, type Octokit } from './github.js';

/** Open pull requests looked at per repository (most recently updated first). */
const PULLS_PER_REPO = 100;

export interface ReconcileResult {
  completed: number;
  /** A pull request's checks could not be read or completed; logged, the rest went on. */
  errors: number;
}

/**
 * Startup reconciliation: a check run of ours still `in_progress` and older than the run deadline belongs to
 * a run that died with its process (a crash, a kill, a deploy). It is completed neutral, saying why, so a
 * pull request is never left with a check spinning forever. Looks at the open pull requests of every
 * installation's repositories.
 */
export async function reconcileStaleCheckRuns(
  appOctokit: Octokit,
  installationOctokit: (installationId: number) => Promise<Octokit>,
  runTimeoutMs: number,
  log: Log,
  now = Date.now(),
): Promise<ReconcileResult> {
  const result: ReconcileResult = { completed: 0, errors: 0 };
  const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
  for (const installation of installations) {
    const octokit = await installationOctokit(installation.id);
    const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
    for (const repository of repos) {
      const repo = { owner: repository.owner.login, repo: repository.name };
      const { data: pulls } = await octokit.rest.pulls.list({ ...repo, state: 'open', sort: 'updated', direction: 'desc', per_page: PULLS_PER_REPO });
      for (const pull of pulls) {
        try {
          const { data } = await octokit.rest.checks.listForRef({ ...repo, ref: pull.head.sha, check_name: CHECK_NAME, status: 'in_progress' });
          for (const run of data.check_runs) {
            const started = run.started_at ? Date.parse(run.started_at) : NaN;
            if (!(now - started > runTimeoutMs)) continue;
            await octokit.rest.checks.update({
              ...repo,
              check_run_id: run.id,
              status: 'completed',
              conclusion: 'neutral',
              completed_at: new Date(now).toISOString(),
              output: {
                title: 'racecheck stopped before finishing',
                summary:
                  `This check was still in progress ${Math.round((now - started) / 60_000)} min after it started, longer than a run may take ` +
                  `(RACECHECK_RUN_TIMEOUT_S=${runTimeoutMs / 1000}): the racecheck process running it stopped (a crash or a restart). ` +
                  `Comment \`/racecheck\` on the pull request to run it again.`,
              },
            });
            result.completed++;
            log.info({ ...repo, pull: pull.number, checkRunId: run.id }, 'completed a stale in-progress check run');
          }
        } catch (err) {
          result.errors++;
          log.warn({ ...repo, pull: pull.number, err: errorMessage(err) }, 'could not reconcile the check runs of a pull request');
        }
      }
    }
  }
  return result;
}
