"""A throwaway one-node SLURM cluster on this machine, for the cluster tests.

Everything the cluster needs lives in one temporary directory: its own munge key and socket,
its own ``slurm.conf``, state, spool, pid and log files, and two free TCP ports on a loopback
address. Nothing under /etc is configured and no system service is touched. When the SLURM
binaries are missing they are installed from Debian's packages with apt-get (root only).

The daemons listen on loopback only. SLURM can bind to "the address this host's name resolves
to" instead of all interfaces (``CommunicationParameters=NoCtldInAddrAny,NoInAddrAny``), so:
if the host name resolves to a loopback address we use it; otherwise the daemons run in their
own UTS namespace under the host name ``localhost``.

Typical use::

    with slurm_cluster() as cluster:
        subprocess.run(["sbatch", "--wrap", "hostname"], env=cluster.env, check=True)
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = ("slurmctld", "slurmd", "munge", "slurm-client")
COMMANDS = (
    "munged",
    "slurmctld",
    "slurmd",
    "sbatch",
    "srun",
    "squeue",
    "sinfo",
    "scontrol",
    "scancel",
)
PARTITION = "debug"
# Daemons live in sbin, which is not always on a user's PATH.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin"])


class SlurmUnavailable(RuntimeError):
    """SLURM cannot be installed or started on this machine; the message says why."""


@dataclass(frozen=True)
class SlurmCluster:
    """A running one-node cluster: where its files are and how to talk to it."""

    root: Path
    conf: Path
    node: str
    address: str
    partition: str
    env: dict[str, str]
    daemon_pids: dict[str, int] = field(default_factory=dict)

    @property
    def slurmctld_log(self) -> Path:
        return self.root / "log" / "slurmctld.log"

    @property
    def jobcomp_log(self) -> Path:
        """One line per finished job (jobcomp/filetxt): job history without accounting."""
        return self.root / "log" / "jobcomp.txt"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a SLURM client command (``sinfo``, ``squeue``...) against this cluster."""
        return subprocess.run(
            [_command(args[0]), *args[1:]],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=check,
        )

    def submitted_job_ids(self) -> list[int]:
        """Ids of all batch jobs slurmctld accepted, read from its log."""
        text = self.slurmctld_log.read_text(errors="replace")
        return sorted({int(m) for m in re.findall(r"submit_batch_job: JobId=(\d+)", text)})

    def finished_jobs(self) -> dict[int, dict[str, str]]:
        """Finished jobs from the jobcomp file: job id -> fields (JobState, Name, WorkDir...)."""
        if not self.jobcomp_log.exists():
            return {}
        jobs = {}
        for line in self.jobcomp_log.read_text(errors="replace").splitlines():
            fields = dict(re.findall(r"(\w+)=(\S*)", line))
            if "JobId" in fields:
                jobs[int(fields["JobId"])] = fields
        return jobs

    def listening_addresses(self) -> dict[str, list[str]]:
        """TCP addresses each daemon listens on, e.g. ``{"slurmd": ["127.0.0.1:40123"]}``."""
        listeners = _tcp_listeners()
        found = {}
        for name, pid in self.daemon_pids.items():
            inodes = _socket_inodes(pid)
            found[name] = sorted(addr for inode, addr in listeners.items() if inode in inodes)
        return found

    def log_tails(self, lines: int = 30) -> str:
        """The ends of the daemon logs, for assertion messages."""
        return _all_logs(self.root, lines)


def _command(name: str) -> str:
    path = shutil.which(name, path=SEARCH_PATH)
    if path is None:
        raise SlurmUnavailable(f"command {name!r} not found")
    return path


def _missing_commands() -> list[str]:
    return [name for name in COMMANDS if shutil.which(name, path=SEARCH_PATH) is None]


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _log_tail(path: Path, lines: int = 25) -> str:
    if not path.exists():
        return f"({path} does not exist)"
    return f"--- {path.name} ---\n" + _tail(path.read_text(errors="replace"), lines)


def _all_logs(root: Path, lines: int = 25) -> str:
    """The ends of all daemon logs of the cluster in ``root``."""
    return "\n".join(_log_tail(log, lines) for log in sorted((root / "log").glob("*")))


def ensure_installed(timeout: float = 900.0) -> None:
    """Install Debian's SLURM and munge packages unless their commands are already present.

    Raises
    ------
    SlurmUnavailable
        If something is missing and cannot be installed (not root, no apt-get, apt failed).
    """
    missing = _missing_commands()
    if not missing:
        return
    packages = " ".join(PACKAGES)
    if os.geteuid() != 0:
        raise SlurmUnavailable(
            f"SLURM commands {missing} are missing and installing them needs root "
            f"(this is uid {os.geteuid()}); install the Debian packages {packages}"
        )
    apt = shutil.which("apt-get", path=SEARCH_PATH)
    if apt is None:
        raise SlurmUnavailable(
            f"SLURM commands {missing} are missing and there is no apt-get to install "
            f"them; install {packages} with this system's package manager"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Wait for a concurrent apt/dpkg run instead of failing on its lock.
    lock_wait = ["-o", "DPkg::Lock::Timeout=300"]
    for cmd in (
        [apt, "-q", *lock_wait, "update"],
        [apt, "-q", "-y", *lock_wait, "install", "--no-install-recommends", *PACKAGES],
    ):
        try:
            result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as error:
            raise SlurmUnavailable(f"`{' '.join(cmd)}` took over {timeout:.0f} s") from error
        if result.returncode != 0:
            raise SlurmUnavailable(
                f"`{' '.join(cmd)}` failed with exit code {result.returncode}:\n"
                + _tail(result.stdout + result.stderr, 15)
            )
    still_missing = _missing_commands()
    if still_missing:
        raise SlurmUnavailable(f"installed {packages} but {still_missing} are still missing")


def _loopback_address(hostname: str) -> str | None:
    """The IPv4 address ``hostname`` resolves to, if it is a loopback address."""
    try:
        infos = socket.getaddrinfo(hostname, None, socket.AF_INET, socket.SOCK_STREAM)
    except socket.gaierror:
        return None
    # SLURM binds to the first address the resolver returns.
    address = infos[0][4][0] if infos else None
    return address if address and ipaddress.ip_address(address).is_loopback else None


def _can_rename_host() -> bool:
    """Whether we may start processes in a new UTS namespace with their own host name."""
    unshare = shutil.which("unshare", path=SEARCH_PATH)
    if unshare is None:
        return False
    result = subprocess.run(
        [unshare, "--uts", "--", "hostname", "localhost"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    return result.returncode == 0


def choose_host() -> tuple[str, str, list[str]]:
    """Pick the node name, loopback address and command prefix for the daemons.

    Returns ``(node, address, prefix)``; ``prefix`` is put in front of each daemon command.
    """
    hostname = socket.gethostname()
    address = _loopback_address(hostname)
    if address is not None:
        return hostname.split(".")[0], address, []
    if _can_rename_host():
        # The daemons (and the jobs they start) see the host name "localhost", which
        # resolves to 127.0.0.1 everywhere, so they bind to loopback.
        shell = 'hostname localhost && exec "$@"'
        unshare = _command("unshare")
        return "localhost", "127.0.0.1", [unshare, "--uts", "--", "sh", "-c", shell, "sh"]
    raise SlurmUnavailable(
        f"host name {hostname!r} does not resolve to a loopback address and no UTS namespace "
        "can be created (unshare --uts), so SLURM could not be kept off the network; map the "
        "host name to 127.0.1.1 in /etc/hosts or allow unshare (CAP_SYS_ADMIN)"
    )


def _free_ports(count: int, address: str) -> list[int]:
    """Ports on ``address`` that are free right now (held open together so they differ)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((address, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _node_hardware() -> str:
    """CPU layout and memory of this machine as slurm.conf node fields.

    ``slurmd -C`` reports exactly what slurmd will detect, so the node registers cleanly;
    if it fails we fall back to the CPU count and /proc/meminfo.
    """
    result = subprocess.run(
        [_command("slurmd"), "-C"], capture_output=True, text=True, timeout=60, check=False
    )
    first_line = result.stdout.splitlines()[0] if result.stdout.strip() else ""
    keys = "CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore"
    fields = re.findall(rf"\b({keys})=(\d+)", first_line)
    memory = re.search(r"\bRealMemory=(\d+)", first_line)
    if result.returncode == 0 and fields and memory:
        hardware = " ".join(f"{key}={value}" for key, value in fields)
        real_memory = int(memory.group(1))
    else:
        hardware = f"CPUs={os.cpu_count() or 1}"
        meminfo = Path("/proc/meminfo").read_text()
        real_memory = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1)) // 1024
    # Leave a little headroom: a node that reports less memory than configured is drained.
    return f"{hardware} RealMemory={int(real_memory * 0.95)}"


def write_conf(root: Path, node: str, address: str) -> Path:
    """Write slurm.conf for a one-node cluster into ``root`` and return its path."""
    ctld_port, slurmd_port = _free_ports(2, address)
    for name in ("state", "spool", "log", "run"):
        (root / name).mkdir(parents=True, exist_ok=True)
    lines = [
        "# Throwaway one-node cluster written by serflow's tests/slurm_cluster.py",
        "ClusterName=serflowtest",
        f"SlurmctldHost={node}({address})",
        f"SlurmctldPort={ctld_port}",
        f"SlurmdPort={slurmd_port}",
        # Listen on the address the host name resolves to (loopback), not on all interfaces.
        "CommunicationParameters=NoCtldInAddrAny,NoInAddrAny",
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"AuthInfo=socket={root / 'munge' / 'munge.socket'}",
        f"StateSaveLocation={root / 'state'}",
        f"SlurmdSpoolDir={root / 'spool'}",
        f"SlurmctldPidFile={root / 'run' / 'slurmctld.pid'}",
        f"SlurmdPidFile={root / 'run' / 'slurmd.pid'}",
        f"SlurmctldLogFile={root / 'log' / 'slurmctld.log'}",
        f"SlurmdLogFile={root / 'log' / 'slurmd.log'}",
        "SlurmctldDebug=info",
        "SlurmdDebug=info",
        f"PlugStackConfig={root / 'plugstack.conf'}",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SwitchType=switch/none",
        "MpiDefault=none",
        "MailProg=/bin/true",  # no mail on this machine; silences a startup error
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core_Memory",
        "SchedulerType=sched/backfill",
        # No accounting database: sacct and sacctmgr have nothing to ask.
        "AccountingStorageType=accounting_storage/none",
        "JobAcctGatherType=jobacct_gather/none",
        # ...but a plain text line per finished job, as an accounting-free history.
        "JobCompType=jobcomp/filetxt",
        f"JobCompLoc={root / 'log' / 'jobcomp.txt'}",
        # Keep finished jobs visible to squeue for a day (the executor polls with squeue).
        "MinJobAge=86400",
        "ReturnToService=2",
        "SlurmdTimeout=300",
        "InactiveLimit=0",
        "KillWait=5",
        "SlurmdParameters=config_overrides",
        f"NodeName={node} NodeHostname={node} NodeAddr={address} {_node_hardware()} State=UNKNOWN",
        f"PartitionName={PARTITION} Nodes={node} Default=YES MaxTime=INFINITE State=UP",
    ]
    conf = root / "slurm.conf"
    conf.write_text("\n".join(lines) + "\n")
    # Debian's /etc/slurm/plugstack.conf would pull in system SPANK plugins: use none.
    (root / "plugstack.conf").write_text("")
    return conf


def _write_srun_wrapper(bin_dir: Path, conf: Path) -> None:
    """An ``srun`` that finds this cluster's slurm.conf without SLURM_CONF in its environment.

    Inside a job, snakemake's slurm-jobstep executor starts each rule with ``srun`` after
    removing all SLURM_* variables but the job id, SLURM_CONF included. Real clusters keep
    slurm.conf where srun looks by default (/etc/slurm) or serve it (configless mode); this
    private cluster's file is elsewhere, so the jobs get this wrapper first on their PATH.
    """
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "srun"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'SLURM_CONF={shlex.quote(str(conf))} exec {shlex.quote(_command("srun"))} "$@"\n'
    )
    wrapper.chmod(0o755)


def _write_munge_key(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    try:
        os.write(fd, os.urandom(1024))
    finally:
        os.close(fd)


def _tcp_listeners() -> dict[str, str]:
    """Listening TCP sockets of this machine: socket inode -> "address:port"."""
    listeners = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for row in Path(table).read_text().splitlines()[1:]:
                cols = row.split()
                if len(cols) < 10 or cols[3] != "0A":  # 0A = LISTEN
                    continue
                hex_addr, hex_port = cols[1].split(":")
                raw = bytes.fromhex(hex_addr)
                if len(raw) == 4:
                    address = socket.inet_ntop(socket.AF_INET, raw[::-1])
                else:  # IPv6: four little-endian 32-bit words
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    address = socket.inet_ntop(socket.AF_INET6, words)
                listeners[cols[9]] = f"{address}:{int(hex_port, 16)}"
    return listeners


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    with contextlib.suppress(FileNotFoundError, PermissionError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
    return inodes


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class _Daemons:
    """The daemons this module started; stopped again by pid, in reverse order."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        # -D / --foreground keep each daemon in the process we start, so its pid is ours.
        with open(self.log_dir / f"{name}.stderr", "ab") as out:
            self.processes[name] = subprocess.Popen(
                cmd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the terminal reaches pytest only
            )

    def failure(self) -> str | None:
        """A message if one of the daemons has already exited."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                return f"{name} exited with code {process.returncode}"
        return None

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM each daemon (SIGKILL if it lingers), then check that all are gone."""
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=timeout)
        survivors = [
            f"{name} (pid {process.pid})"
            for name, process in self.processes.items()
            if _alive(process.pid)
        ]
        self.processes.clear()
        if survivors:
            raise RuntimeError(f"SLURM daemons still running after teardown: {survivors}")


def _wait_for(check: Callable[[], bool], timeout: float, what: str, root: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise SlurmUnavailable(f"timed out after {timeout:.0f} s waiting for {what}\n{_all_logs(root)}")


def _cancel_all_jobs(env: dict[str, str]) -> None:
    """Cancel jobs left in this private cluster (e.g. by a failed test) and let them end."""

    def job_ids(states: str) -> list[str]:
        result = subprocess.run(
            [_command("squeue"), "--noheader", "--format=%i", f"--states={states}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return result.stdout.split() if result.returncode == 0 else []

    leftover = job_ids("PENDING,RUNNING,SUSPENDED")
    if not leftover:
        return
    subprocess.run([_command("scancel"), *leftover], env=env, capture_output=True, timeout=60)
    deadline = time.monotonic() + 30
    while job_ids("RUNNING,COMPLETING") and time.monotonic() < deadline:
        time.sleep(0.5)


@contextlib.contextmanager
def slurm_cluster(startup_timeout: float = 90.0) -> Iterator[SlurmCluster]:
    """Install SLURM if needed, start munged, slurmctld and slurmd, and stop them afterwards.

    Yields a `SlurmCluster` whose ``env`` (this process' environment plus ``SLURM_CONF`` and
    the srun wrapper on ``PATH``) makes sbatch, squeue & co. talk to the new cluster.

    Raises
    ------
    SlurmUnavailable
        If SLURM cannot be installed or started here.
    """
    if os.geteuid() != 0:
        raise SlurmUnavailable(
            f"the private SLURM cluster runs its daemons as root; this is uid {os.geteuid()}"
        )
    ensure_installed()
    node, address, prefix = choose_host()
    # A short path: the munge socket path must fit in a sockaddr_un (108 bytes).
    root = Path(tempfile.mkdtemp(prefix="serflow-slurm-"))
    daemons = _Daemons(root / "log")
    env = dict(os.environ)
    try:
        # munged insists that everybody may traverse the directories leading to its socket.
        root.chmod(0o755)
        conf = write_conf(root, node, address)
        munge_socket = root / "munge" / "munge.socket"
        munge_socket.parent.mkdir(mode=0o755)
        _write_munge_key(root / "munge.key")
        _write_srun_wrapper(root / "bin", conf)
        env["SLURM_CONF"] = str(conf)
        env["PATH"] = os.pathsep.join([str(root / "bin"), env.get("PATH", "")])
        daemons.start(
            "munged",
            [
                _command("munged"),
                "--foreground",
                f"--socket={munge_socket}",
                f"--key-file={root / 'munge.key'}",
                f"--pid-file={root / 'run' / 'munged.pid'}",
                f"--seed-file={root / 'run' / 'munged.seed'}",
            ],
            env,
        )
        _wait_for(munge_socket.exists, startup_timeout, "munged's socket", root)
        daemons.start("slurmctld", [*prefix, _command("slurmctld"), "-D", "-f", str(conf)], env)
        daemons.start("slurmd", [*prefix, _command("slurmd"), "-D", "-f", str(conf)], env)

        def node_idle() -> bool:
            failure = daemons.failure()
            if failure:
                raise SlurmUnavailable(f"{failure} while starting up\n{_all_logs(root)}")
            result = subprocess.run(
                [_command("sinfo"), "--noheader", "--nodes", node, "--format=%T"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            return result.returncode == 0 and result.stdout.strip() == "idle"

        _wait_for(node_idle, startup_timeout, f"node {node} to be idle in sinfo", root)
        pids = {name: process.pid for name, process in daemons.processes.items()}
        yield SlurmCluster(
            root=root,
            conf=conf,
            node=node,
            address=address,
            partition=PARTITION,
            env=env,
            daemon_pids=pids,
        )
    finally:
        try:
            if "slurmctld" in daemons.processes:
                with contextlib.suppress(Exception):
                    _cancel_all_jobs(env)
            daemons.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)
