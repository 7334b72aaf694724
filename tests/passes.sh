#!/bin/sh
# The whole test suite once per database (make test; README, Tests).
#
#   TEST_DBS       the passes, default "sqlite postgresql" (CWQBO_TEST_DB of each pytest run)
#   TEST_PARALLEL  1 (default): all passes at once, the first one's output live, the others'
#                  kept and shown after it; 0: one pass after the other
#   PYTEST_ARGS    extra pytest arguments for every pass, e.g. "-x tests/web"
#   TEST_WORKERS   pytest-xdist workers per pass, default 2 (0: none, the pass in one
#                  process). The suite waits on sockets and processes more than it computes,
#                  so 2 passes x 2 workers keep 2 cores busy; each worker has its own Redis,
#                  PostgreSQL cluster, Chromium, ports and temporary folders (tests/conftest.py)
#
# Every pass runs even if another fails; the exit status is 0 only if all passed. Ctrl-C
# reaches every pass (one process group); SIGTERM (CI timeout, make being stopped) is passed
# on to each, which the tests' conftest turns into an interrupted run: either way each pass
# ends its fixtures, so its PostgreSQL cluster is stopped and removed.
set -u
PYTHON=${PYTHON:-.venv/bin/python}
DBS=${TEST_DBS:-sqlite postgresql}
PARALLEL=${TEST_PARALLEL:-1}
ARGS=${PYTEST_ARGS:-}
WORKERS=${TEST_WORKERS:-2}
# Whole test files per worker (loadfile): a file's tests share its sandboxes' order and
# module fixtures, as in a one-process run.
[ "$WORKERS" = 0 ] || ARGS="-n $WORKERS --dist loadfile $ARGS"
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/cwqbo-passes.XXXXXX")
RUNNING=""  # "db:pid" of the passes not yet waited for
SUMMARY=""
STATUS=0
# A background job starts with SIGINT ignored; give pytest back its Ctrl-C.
PYTEST='import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.executable, [sys.executable, "-m", "pytest", *sys.argv[1:]])'

start_pass() {  # db [log]
    echo "=== the test suite on $1${2:+: running beside the others, its output follows}"
    # shellcheck disable=SC2086  # ARGS is a list of words
    if [ $# -gt 1 ]; then
        CWQBO_TEST_DB=$1 "$PYTHON" -c "$PYTEST" $ARGS >"$2" 2>&1 &
    else
        CWQBO_TEST_DB=$1 "$PYTHON" -c "$PYTEST" $ARGS &
    fi
    RUNNING="$RUNNING $1:$!"
}

stop_all() {  # the signal that stopped us
    trap - INT TERM
    for entry in $RUNNING; do
        [ "$1" = TERM ] || continue  # Ctrl-C reached them all already (one process group)
        pid=${entry#*:}
        # The pass's xdist workers too: each ends its own fixtures (cluster, Redis, browser).
        for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do kill -TERM "$child" 2>/dev/null; done
        kill -TERM "$pid" 2>/dev/null
    done
    for entry in $RUNNING; do
        wait "${entry#*:}" 2>/dev/null
        [ -f "$LOGS/${entry%%:*}.log" ] && cat "$LOGS/${entry%%:*}.log"
    done
    rm -rf "$LOGS"
    echo "=== test passes stopped by SIG$1"
    exit 130
}
trap 'stop_all INT' INT
trap 'stop_all TERM' TERM

finish_pass() {  # db: wait for it, show its kept output, note how it ended
    for entry in $RUNNING; do
        [ "${entry%%:*}" = "$1" ] || continue
        wait "${entry#*:}"
        code=$?
        RUNNING=$(echo "$RUNNING" | sed "s/ $1:[0-9]*//")
        if [ -f "$LOGS/$1.log" ]; then
            echo "=== the test suite on $1 (ran beside the others)"
            cat "$LOGS/$1.log"
        fi
        case $code in
            0) SUMMARY="$SUMMARY
=== $1: passed" ;;
            2) stop_all INT ;;  # pytest was interrupted
            *) STATUS=1 SUMMARY="$SUMMARY
=== $1: FAILED (pytest exit status $code)" ;;
        esac
    done
}

if [ "$PARALLEL" = 1 ]; then
    first=""
    for db in $DBS; do
        if [ -z "$first" ]; then first=$db; else start_pass "$db" "$LOGS/$db.log"; fi
    done
    start_pass "$first"
    for db in $DBS; do finish_pass "$db"; done
else
    for db in $DBS; do
        start_pass "$db"
        finish_pass "$db"
    done
fi

rm -rf "$LOGS"
echo "$SUMMARY"
exit $STATUS
