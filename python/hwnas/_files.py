"""Writing an output so that a kill leaves either the old file or the whole
new one under its name, never a half-written one."""
import os


def write_atomically(path: str, data: bytes) -> None:
    """`data` to `path` through a temporary beside it, synced, then renamed."""
    part = f"{path}.part-{os.getpid()}"
    try:
        with open(part, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(part, path)
    finally:
        if os.path.exists(part):
            os.remove(part)
