"""
`manage.py` for one installation without paying Django's start-up for every
command: this process starts Django once with the installation's settings
(its environment), then forks a new process for each command, which runs
manage.py's `main()` exactly as `python manage.py …` would, with its own
standard output, error and exit status, and exits. tests/test_backups.py
drives dozens of commands against each site it builds; each command is
still a process of its own that opens its own database connection.

    python -m tests.forked_manage

reads one JSON request per line on standard input, {"args": [...],
"umask": null}, and answers each with one JSON line on standard output,
{"returncode": 0, "stdout": "...", "stderr": "..."}. Its first line says
whether Django started ({"ready": true}); where it could not (a setting a
command must refuse), the caller runs `python manage.py` instead, so that
the refusal is the one an operator would see.
"""

import atexit
import json
import os
import signal
import sys
import tempfile
import traceback

# A command that runs longer than this is stopped, as subprocess.run(timeout=…) would.
COMMAND_SECONDS = 300


def _exit_status(code):
    """What the interpreter makes of SystemExit(code): None is 0, a number itself, anything else printed and 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _command(args, umask, output, errors):
    """In the forked process: run one command with fresh standard streams, then leave as the interpreter does."""
    status = 1
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output.fileno(), 1)
        os.dup2(errors.fileno(), 2)
        # The process's own streams until it exits, as the interpreter's are.
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        if umask is not None:
            os.umask(umask)
        signal.alarm(COMMAND_SECONDS)
        sys.argv = ["manage.py", *args]
        import manage

        try:
            manage.main()
            status = 0
        except SystemExit as exit:
            status = _exit_status(exit.code)
        except BaseException:  # noqa: BLE001 - as the interpreter does: any other exception is a traceback and 1
            traceback.print_exc()
            status = 1
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(status)


def _answer(request):
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        child = os.fork()
        if child == 0:
            _command(request["args"], request.get("umask"), output, errors)
        _, wait_status = os.waitpid(child, 0)
        output.seek(0)
        errors.seek(0)
        return {
            "returncode": os.waitstatus_to_exitcode(wait_status),
            "stdout": output.read().decode(errors="replace"),
            "stderr": errors.read().decode(errors="replace"),
        }


def main():
    # Answers go to a copy of standard output; nothing a warm-up prints can mix with them.
    channel = open(os.dup(1), "w", buffering=1)  # noqa: SIM115 - open for as long as this process runs
    os.dup2(2, 1)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        import django
        from django.core.management import get_commands, load_command_class
        from django.db import connections

        django.setup()
        for name, app in get_commands().items():
            load_command_class(app, name)
        # No connection may be shared by the forked processes.
        connections.close_all()
    except Exception as problem:  # noqa: BLE001 - whatever stops Django starting, the caller runs manage.py itself
        channel.write(json.dumps({"ready": False, "reason": repr(problem)}) + "\n")
        return
    channel.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        channel.write(json.dumps(_answer(json.loads(line))) + "\n")


if __name__ == "__main__":
    main()
