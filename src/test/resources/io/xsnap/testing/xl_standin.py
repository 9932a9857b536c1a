#!/usr/bin/env python3
"""A stand-in for Xen's `xl`, for xsnap's tests only: Xen cannot run on the test machines.

NOT a Xen tool and never installed: XenLab (src/test/java/io/xsnap/testing/XenLab.java) writes a small `xl`
wrapper that runs this script with --state DIR --run-dir DIR --as XL. It follows xl(1) (Xen 4.17) closely enough to
drive xsnap's xl driver for real:

  list [-l]              the table (State column rbpscd) / a JSON array of {"domid", "config"} in libxl's shape:
                         fields at their default left out, enums lowercase, defbools "True"/"False"
  create [-p] CFG        a domain from an xl config file (name, uuid, memory, disk = [...], vif = [...], type,
                         device_model_stubdomain_override); without uuid= a random one, as xl does
  save [-p|-c] DOM FILE  the real xl save header (magic, byte order, flags, config JSON with its NUL), then
                         QEMU's migration stream; -p leaves the domain paused, -c running, neither destroys it.
                         A paused domain cannot be saved: a PV guest suspends cooperatively, and on real Xen 4.17
                         (ci/xen-lab.sh) the save waited ~60 s and failed with "guest didn't acknowledge suspend,
                         cancelling request", the domain left paused; the stand-in fails the same way at once
                         (after XL_STANDIN_SUSPEND_WAIT seconds, default 0); XL_STANDIN_SAVE_WAIT seconds
                         (default 0) pass between the suspend and the writing of the pages
  restore [-p] [CFG] F   reads the header back and loads the stream into a new domain; with CFG the whole config
                         (name, uuid, devices) comes from CFG, as in xl's create_domain, else from the header;
                         while it loads, list shows the domain (--p---) and list -l does not, as on real Xen;
                         XL_STANDIN_RESTORE_WAIT seconds (default 0) stretch that time
  pause | unpause | destroy DOM
  While <state>/fail-starts holds N > 0, the next N creates and restores fail at once, leaving nothing, as starts
  did now and then on real Xen in the lab under load (libxl's hotplug and device-model timeouts).

Each domain is a real QEMU process (TCG, no guest OS) whose disks are served the way Xen's QEMU serves qdisk
disks: -blockdev nodes named <vdev>-<format> over a file node opened with locking=off, no BlockBackend name
(query-block "device": ""), and a QMP socket at <run-dir>/qmp-libxl-<domid>. The device is a virtio-blk-pci with
id <vdev> (qdev /machine/peripheral/<vdev>/...) where Xen 4.17 shows a xen-disk at /machine/unattached/device[N]
whose "vdev" property reads "xvda0"; the tests' XenGuest finds disks by that id. Raw disks are attached too (in Xen the kernel's blkback serves
them; xsnap must not use QMP for them and does not). Differences from Xen, on purpose or by necessity:
  * pause/unpause stop and continue QEMU (in Xen the vCPUs stop and QEMU runs on);
  * after a save QEMU has deactivated its disks, so the stand-in continues and stops it again at once to get
    them back: the guest runs for a moment (it has no OS, so it writes nothing);
  * a stub-domain device model is simulated by putting the QMP socket outside the run dir;
  * vifs appear in the config (`xl list -l` "nics") with their MACs, but no network device or back-end is made.
"""
import ast
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid as uuidlib

MAGIC = b"Xen saved domain, xl format\n \0 \r"
BYTEORDER = 0x01020304
FLAG_JSON = 1
FLAG_STREAM_V2 = 2


def die(msg):
    sys.stderr.write("xl: " + msg + "\n")
    sys.exit(1)


class Qmp:
    def __init__(self, path, timeout=10):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.f = self.s.makefile("rwb")
        self.read()  # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        while True:
            line = self.f.readline()
            if not line:
                die("QMP connection closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def cmd(self, name, **args):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        self.f.write((json.dumps(req) + "\n").encode())
        self.f.flush()
        reply = self.read()
        if "error" in reply:
            die("QMP %s: %s" % (name, reply["error"].get("desc")))
        return reply.get("return")

    def close(self):
        self.s.close()


class Host:
    def __init__(self, state, run_dir):
        self.state = state
        self.run_dir = run_dir
        os.makedirs(os.path.join(state, "domains"), exist_ok=True)
        os.makedirs(run_dir, exist_ok=True)

    def path(self, domid):
        return os.path.join(self.state, "domains", "%d.json" % domid)

    def domains(self):
        out = []
        d = os.path.join(self.state, "domains")
        for f in sorted(os.listdir(d)):
            if f.endswith(".json"):
                with open(os.path.join(d, f)) as fh:
                    dom = json.load(fh)
                if alive(dom["pid"]):
                    out.append(dom)
                else:
                    os.unlink(os.path.join(d, f))
        return sorted(out, key=lambda x: x["domid"])

    def find(self, ref):
        for dom in self.domains():
            if str(dom["domid"]) == ref or dom["config"]["c_info"]["name"] == ref:
                return dom
        die("invalid domain identifier '%s'" % ref)

    def save_state(self, dom):
        tmp = self.path(dom["domid"]) + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(dom, fh)
        os.rename(tmp, self.path(dom["domid"]))

    def next_domid(self):
        f = os.path.join(self.state, "next-domid")
        n = int(open(f).read()) if os.path.exists(f) else 1
        open(f, "w").write(str(n + 1))
        return n

    def qmp_path(self, dom):
        return dom["qmp"]

    def qmp(self, dom):
        return Qmp(dom["qmp"])


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as fh:
            stat = fh.read()
        return stat[stat.rindex(")") + 2] not in "ZX"
    except (OSError, ValueError):
        return False


# ------------------------------------------------------------------ xl config files

def parse_cfg(path):
    text = open(path).read()
    settings = {}
    stmt = ""
    depth = 0
    for line in text.splitlines():
        line = strip_comment(line)
        stmt += line + "\n"
        depth += line.count("[") - line.count("]")
        if depth <= 0 and stmt.strip():
            for part in split_statements(stmt):
                if "=" in part:
                    key, value = part.split("=", 1)
                    settings[key.strip()] = ast.literal_eval(value.strip())
            stmt = ""
            depth = 0
    return settings


def strip_comment(line):
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#":
            return line[:i]
    return line


def split_statements(stmt):
    return [s for s in stmt.replace(";", "\n").split("\n") if s.strip()] if "[" not in stmt else [stmt]


def parse_disk(spec):
    disk = {"others": []}
    positions = ["target", "format", "vdev", "access"]
    rest = spec
    while rest is not None:
        if rest.lstrip().startswith("target="):
            item, rest = rest.lstrip(), None
        else:
            item, _, tail = rest.partition(",")
            rest = tail if _ else None
            item = item.strip()
        if "=" in item:
            k, v = item.split("=", 1)
            disk[k.strip()] = v.strip()
        elif item in ("cdrom",):
            disk["devtype"] = "cdrom"
        elif item or rest is not None:
            if positions:
                slot = positions.pop(0)
                if item:
                    disk[slot] = item
    if disk.get("vdev", "").endswith(":cdrom"):
        disk["vdev"] = disk["vdev"][:-6]
        disk["devtype"] = "cdrom"
    return disk


def nic_from_spec(devid, spec, domtype):
    """One vif = [...] entry (xl-network-configuration(5): key=value items) as libxl_device_nic JSON; libxl makes a
    MAC 00:16:3e:xx:xx:xx (the first x below 0x80) when none is given."""
    items = dict(item.strip().split("=", 1) for item in spec.split(",") if "=" in item)
    r = os.urandom(3)
    mac = items.get("mac") or "00:16:3e:%02x:%02x:%02x" % (r[0] & 0x7f, r[1], r[2])
    nic = {"devid": devid, "mac": mac.lower()}
    for key in ("bridge", "model", "ip", "script"):
        if key in items:
            nic[key] = items[key]
    if domtype == "hvm" and items.get("type", "ioemu") == "ioemu":
        nic["nictype"] = "vif_ioemu"
    return nic


def config_from_cfg(path):
    s = parse_cfg(path)
    mem = int(s.get("memory", 64))
    c_info = {"type": s.get("type", "hvm"), "name": s["name"], "uuid": s.get("uuid", str(uuidlib.uuid4())),
              "run_hotplug_scripts": "True"}
    b_info = {"max_vcpus": 1, "avail_vcpus": [0], "max_memkb": mem * 1024, "target_memkb": mem * 1024,
              "shadow_memkb": 1024, "device_model_version": "qemu_xen", "sched_params": {},
              "arch_x86": {"msr_relaxed": "False"}}
    if s.get("device_model_stubdomain_override"):
        b_info["device_model_stubdomain"] = "True"
    disks = []
    for spec in s.get("disk", []):
        d = parse_disk(spec)
        cdrom = d.get("devtype") == "cdrom"
        fmt = d.get("format", "empty" if cdrom and not d.get("target") else "raw")
        entry = {}
        if d.get("target"):
            entry["pdev_path"] = d["target"]
        entry["vdev"] = d["vdev"]
        backend = d.get("backendtype") or ("phy" if fmt == "raw" and not cdrom else "qdisk")
        entry["backend"] = backend
        entry["format"] = fmt
        if d.get("access", "r" if cdrom else "rw") in ("rw", "w"):
            entry["readwrite"] = 1
        if cdrom:
            entry["removable"] = 1
            entry["is_cdrom"] = 1
        disks.append(entry)
    config = {"c_info": c_info, "b_info": b_info}
    if disks:
        config["disks"] = disks
    nics = [nic_from_spec(i, spec, c_info["type"]) for i, spec in enumerate(s.get("vif", []))]
    if nics:
        config["nics"] = nics
    config["on_reboot"] = "restart"
    config["on_soft_reset"] = "soft_reset"
    return config


# ------------------------------------------------------------------ domains as QEMU processes

def start_qemu(host, config, domid, incoming=None):
    name = config["c_info"]["name"]
    stub = config["b_info"].get("device_model_stubdomain") == "True"
    qmp = os.path.join(host.state, "stubdom-qmp-%d" % domid) if stub else \
        os.path.join(host.run_dir, "qmp-libxl-%d" % domid)
    pidfile = os.path.join(host.state, "qemu-%d.pid" % domid)
    for f in (qmp, pidfile):
        if os.path.exists(f):
            os.unlink(f)
    mem = config["b_info"].get("max_memkb", 65536) // 1024
    argv = ["qemu-system-x86_64", "-machine", "pc", "-accel", "tcg", "-m", str(mem), "-nodefaults",
            "-display", "none", "-name", "%s,debug-threads=off" % name, "-qmp", "unix:%s,server=on,wait=off" % qmp,
            "-pidfile", pidfile, "-daemonize", "-S"]
    for d in config.get("disks", []):
        if d.get("is_cdrom") or d.get("format") == "empty":
            continue
        vdev, fmt = d["vdev"], d.get("format", "raw")
        path = d["pdev_path"].replace(",", ",,")
        ro = "" if d.get("readwrite") else ",read-only=on"
        argv += ["-blockdev", "driver=file,filename=%s,node-name=%s-file,locking=off%s" % (path, vdev, ro),
                 "-blockdev", "driver=%s,file=%s-file,node-name=%s-%s%s" % (fmt, vdev, vdev, fmt, ro),
                 "-device", "virtio-blk-pci,drive=%s-%s,id=%s" % (vdev, fmt, vdev)]
    if incoming:
        argv += ["-incoming", incoming]
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        die("device model failed: " + r.stderr.decode().strip())
    pid = int(open(pidfile).read().strip())
    dom = {"domid": domid, "pid": pid, "qmp": qmp, "paused": True, "shutdown": None, "config": config}
    host.save_state(dom)
    return dom


def wait_incoming(q):
    for _ in range(3000):
        if q.cmd("query-status")["status"] != "inmigrate":
            break
        time.sleep(0.01)
    status = q.cmd("query-migrate").get("status")
    if status != "completed":
        die("restore failed: migration " + str(status))


def failing_start(host):
    """A start that fails as real Xen 4.17's did in the lab under load, leaving nothing: while the file
    <state>/fail-starts holds a number above 0, each create or restore takes one off and fails."""
    path = os.path.join(host.state, "fail-starts")
    if not os.path.exists(path):
        return
    left = int(open(path).read().strip() or "0")
    if left > 0:
        open(path, "w").write(str(left - 1))
        die("libxl: error: libxl_aoutils.c:539:async_exec_timeout: killing execution of /etc/xen/scripts/block add "
            "because of timeout (stand-in: fail-starts)")


def cmd_create(host, args):
    failing_start(host)
    paused = "-p" in args
    cfg = [a for a in args if not a.startswith("-")][0]
    config = config_from_cfg(cfg)
    if any(d["config"]["c_info"]["name"] == config["c_info"]["name"] for d in host.domains()):
        die("domain with name %s already exists" % config["c_info"]["name"])
    dom = start_qemu(host, config, host.next_domid())
    if not paused:
        q = host.qmp(dom)
        q.cmd("cont")
        q.close()
        dom["paused"] = False
        host.save_state(dom)


def cmd_list(host, args):
    doms = host.domains()
    if "-l" in args:
        out = [{"domid": d["domid"], "config": d["config"]} for d in doms if not d.get("restoring")]
        sys.stdout.write(json.dumps(out, indent=4) + "\n")
        return
    print("%-40s %5s %5s %5s %10s %9s" % ("Name", "ID", "Mem", "VCPUs", "State", "Time(s)"))
    print("%-40s %5d %5d %5d     %s  %8.1f" % ("Domain-0", 0, 1024, 2, "r-----", 100.0))
    for d in doms:
        sd = d.get("shutdown")
        state = "--p---" if d["paused"] else "-b----"
        if sd:
            state = "---s%s-" % {"poweroff": "-", "crash": "c", "reboot": "r"}.get(sd, "-")
        if sd == "dying":
            state = "-----d"
        print("%-40s %5d %5d %5d     %s  %8.1f" % (d["config"]["c_info"]["name"], d["domid"],
                                                    d["config"]["b_info"]["max_memkb"] // 1024, 1, state, 1.0))


def cmd_pause(host, args, stop=True):
    dom = host.find(args[0])
    if not stop and not dom.get("paused"):
        # Xen counts the toolstack's pauses and refuses to go below zero (domain_unpause_by_systemcontroller:
        # -EINVAL), so unpausing a domain that is not paused fails
        die("libxl: error: libxl_domain.c: Unpausing domain %d: Invalid argument" % dom["domid"])
    q = host.qmp(dom)
    q.cmd("stop" if stop else "cont")
    q.close()
    dom["paused"] = stop
    host.save_state(dom)


def destroy(host, dom):
    try:
        os.kill(dom["pid"], signal.SIGKILL)
    except ProcessLookupError:
        pass
    for _ in range(1000):
        if not alive(dom["pid"]):
            break
        time.sleep(0.01)
    for f in (host.path(dom["domid"]), dom["qmp"]):
        if os.path.exists(f):
            os.unlink(f)


def cmd_save(host, args):
    flags = [a for a in args if a.startswith("-")]
    rest = [a for a in args if not a.startswith("-")]
    dom, target = host.find(rest[0]), rest[1]
    if dom.get("paused"):
        time.sleep(float(os.environ.get("XL_STANDIN_SUSPEND_WAIT", "0")))
        with open(target, "wb"):
            pass
        die("libxl: error: libxl_dom_suspend.c: domain %d: guest didn't acknowledge suspend, cancelling request\n"
            "libxl: error: libxl_stream_write.c: save/migration stream failed\n"
            "Failed to save domain, resuming domain" % dom["domid"])
    data = json.dumps(dom["config"], indent=4).encode() + b"\0"
    optional = struct.pack("=I", len(data)) + data
    header = MAGIC + struct.pack("=IIII", BYTEORDER, FLAG_JSON | FLAG_STREAM_V2, 0, len(optional))
    sys.stderr.write("Saving to %s new xl format (info 0x%x/0x0/%d)\n" % (target, FLAG_JSON | FLAG_STREAM_V2,
                                                                        len(optional)))
    sys.stderr.flush()
    with open(target, "wb") as fh:  # like xl: O_TRUNC, an existing file keeps its mode
        fh.write(header + optional)
    q = host.qmp(dom)
    q.cmd("stop")
    # test knob: the suspended domain's pages take this long to write (a kill of xsnap lands inside xl save). The
    # stand-in holds the device model's monitor meanwhile (libxl does not), so xsnap's own QMP calls wait too
    time.sleep(float(os.environ.get("XL_STANDIN_SAVE_WAIT", "0")))
    q.cmd("migrate", uri="exec:cat >> '%s'" % target.replace("'", "'\\''"))
    for _ in range(30000):
        status = q.cmd("query-migrate").get("status")
        if status in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.01)
    if status != "completed":
        q.cmd("cont")
        q.close()
        die("Failed to save domain, resuming domain")
    time.sleep(0.05)  # the exec: writer exits just after QEMU reports completion
    if "-p" in flags or "-c" in flags:
        q.cmd("cont")  # reactivates the disks QEMU deactivated at the end of the migration
        if "-p" in flags:
            q.cmd("stop")
        q.close()
        dom["paused"] = "-p" in flags
        host.save_state(dom)
    else:
        q.close()
        destroy(host, dom)


def read_header(path):
    with open(path, "rb") as fh:
        head = fh.read(48)
        if len(head) < 48 or head[:32] != MAGIC:
            die("File has wrong magic number - corrupt or for a different tool?")
        order, mandatory, optional, length = struct.unpack("=IIII", head[32:])
        if order != BYTEORDER:
            die("File has wrong byte order")
        data = fh.read(length)
        (clen,) = struct.unpack("=I", data[:4])
        config = json.loads(data[4:4 + clen].rstrip(b"\0").decode())
    return config, 48 + length


def cmd_restore(host, args):
    failing_start(host)
    paused = "-p" in args
    rest = [a for a in args if not a.startswith("-")]
    saved, offset = read_header(rest[-1])
    config = config_from_cfg(rest[0]) if len(rest) == 2 else saved
    if any(d["config"]["c_info"]["name"] == config["c_info"]["name"] for d in host.domains()):
        die("domain with name %s already exists" % config["c_info"]["name"])
    sys.stderr.write("Loading new save file %s (new xl fmt info 0x3/0x0/%d)\n" % (rest[-1], offset - 48))
    source = os.path.abspath(rest[-1]).replace("'", "'\\''")
    dom = start_qemu(host, config, host.next_domid(), "exec:tail -c +%d '%s'" % (offset + 1, source))
    # as on real Xen 4.17 (seen in the lab): while the restore runs, xl list shows the domain (--p---) but xl list -l
    # does not; XL_STANDIN_RESTORE_WAIT seconds stretch that time
    dom["restoring"] = True
    host.save_state(dom)
    time.sleep(float(os.environ.get("XL_STANDIN_RESTORE_WAIT", "0")))
    q = host.qmp(dom)
    wait_incoming(q)
    dom["restoring"] = False
    host.save_state(dom)
    if not paused:
        q.cmd("cont")
        dom["paused"] = False
        host.save_state(dom)
    q.close()


def main(argv):
    state = run_dir = None
    while argv and argv[0] in ("--state", "--run-dir", "--as"):
        if argv[0] == "--state":
            state = argv[1]
        elif argv[0] == "--run-dir":
            run_dir = argv[1]
        # --as XL: the wrapper's path, so that this process's command line reads "... XL save ... DOMID" as xl's does
        argv = argv[2:]
    if not state or not run_dir or not argv:
        die("usage: xl_standin.py --state DIR --run-dir DIR COMMAND ...")
    host = Host(state, run_dir)
    cmd, args = argv[0], argv[1:]
    if cmd == "list":
        cmd_list(host, args)
    elif cmd == "create":
        cmd_create(host, args)
    elif cmd == "save":
        cmd_save(host, args)
    elif cmd == "restore":
        cmd_restore(host, args)
    elif cmd == "pause":
        cmd_pause(host, args, True)
    elif cmd == "unpause":
        cmd_pause(host, args, False)
    elif cmd == "destroy":
        destroy(host, host.find(args[0]))
    else:
        die("command not implemented by the stand-in: " + cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
