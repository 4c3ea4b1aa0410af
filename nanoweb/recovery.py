"""Recover work whose worker died: `kill -9`, out of memory, a machine gone.

Every worker runs `orphans_recover` when it starts and then every RECOVERY_SECONDS in a thread of its
main process. A running row whose heartbeat is older than its stale threshold was orphaned: a training
run goes back to the queue (a fresh task is sent) until it has used its attempts, then fails in words; a
search job ends failed in words, keeping the photos it had saved. Conditional UPDATEs make it safe for
every worker of a cluster to do this at once.
"""

from __future__ import annotations

import logging
import threading

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)
_stop = threading.Event()


def orphans_recover() -> dict[str, int]:
    from classifiers.services.recovery import training_runs_recover
    from scraper.services.search_jobs import search_jobs_fail_stale

    return {"training_runs": training_runs_recover(), "search_jobs": search_jobs_fail_stale()}


def _loop() -> None:
    while True:
        try:
            recovered = orphans_recover()
            if any(recovered.values()):
                log.warning("recovered orphaned work: %s", recovered)
        except Exception:  # a database hiccup must not kill the loop; the next round retries
            log.exception("recovering orphaned work failed")
        finally:
            connection.close()
        if _stop.wait(settings.RECOVERY_SECONDS):
            return


@worker_ready.connect
def start_recovery_loop(**kwargs) -> None:
    _stop.clear()
    threading.Thread(target=_loop, name="nanoweb-recovery", daemon=True).start()


@worker_shutdown.connect
def stop_recovery_loop(**kwargs) -> None:
    _stop.set()
