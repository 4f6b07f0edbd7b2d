"""The sandbox Asterisk runs as its own host user, which owns the recordings and no one else."""

import os
import pwd
from pathlib import Path

import pytest

from callcenter import sandbox


@pytest.mark.asterisk
def test_asterisk_and_its_recordings_belong_to_the_sandbox_user(settings, asterisk):
    me = pwd.getpwnam(sandbox.HOST_USER)
    st = settings.recording_root.stat()
    assert (st.st_uid, st.st_gid) == (me.pw_uid, me.pw_gid)
    assert st.st_mode & 0o777 == 0o750
    status = Path(f"/proc/{asterisk.pid()}/status").read_text()
    uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
    assert set(uids) == {str(me.pw_uid)}, "Asterisk does not run as the sandbox's own user"
    assert asterisk.asterisk_uid_gid() == (me.pw_uid, me.pw_gid)
    # The instance's state and log (which names callers) are not world-readable.
    assert asterisk.state_dir.stat().st_mode & 0o777 == 0o750
    assert asterisk.log_file.stat().st_mode & 0o777 == 0o640


def _root(tmp_path: Path, passwd: str, group: str) -> sandbox.Instance:
    etc = tmp_path / "root" / "etc"
    etc.mkdir(parents=True)
    (etc / "passwd").write_text(passwd)
    (etc / "group").write_text(group)
    return sandbox.Instance(tmp_path)


def test_an_instance_root_takes_the_host_users_ids(settings, tmp_path):
    uid, gid = sandbox.host_account()
    inst = _root(tmp_path, "root:x:0:0::/root:/bin/sh\nasterisk:x:101:101:PBX:/var/lib/asterisk:"
                           "/usr/sbin/nologin\n", "asterisk:x:101:\naudio:x:29:asterisk\n")
    spool = inst.merged / "var/spool/asterisk/voicemail"
    spool.mkdir(parents=True)
    os.chown(spool, 101, 101)
    rec = tmp_path / "rec"
    rec.mkdir()
    (rec / "old.wav").write_bytes(b"")
    os.chown(rec / "old.wav", 101, 101)
    sandbox.adopt_host_account(settings.with_overrides(recording_root=rec), inst)
    assert inst.asterisk_uid_gid() == (uid, gid)
    for path in (spool, rec / "old.wav"):
        assert (path.stat().st_uid, path.stat().st_gid) == (uid, gid)
    assert "audio:x:29:asterisk" in (inst.merged / "etc/group").read_text()


def test_a_root_whose_ids_clash_with_the_host_user_is_refused(settings, tmp_path):
    uid, _ = sandbox.host_account()
    inst = _root(tmp_path, f"games:x:{uid}:60::/:/bin/sh\nasterisk:x:101:101::/:/bin/sh\n",
                 "asterisk:x:101:\n")
    with pytest.raises(sandbox.SandboxError, match="games"):
        sandbox.adopt_host_account(settings.with_overrides(recording_root=tmp_path / "r"), inst)
