"""Named kernel mutexes (System.Threading.Mutex) on a lab host: what lync_job_start holds while it starts a job, so
two starts on one host never interleave.

Pages:
  https://learn.microsoft.com/dotnet/api/system.threading.mutex.-ctor (Mutex(Boolean, String): opens the named
    mutex or creates it; "Global\\" names are seen by every session of the host)
  https://learn.microsoft.com/dotnet/api/system.threading.waithandle.waitone (WaitOne(Int32): true when the mutex
    was obtained, false when the time-out elapsed first)
  https://learn.microsoft.com/dotnet/api/system.threading.abandonedmutexexception ("thrown when one thread acquires
    a Mutex object that another thread has abandoned by exiting without releasing it"; the waiting thread then
    owns the mutex)
  https://learn.microsoft.com/dotnet/api/system.threading.mutex.releasemutex (ApplicationException "Object
    synchronization method was called from an unsynchronized block of code." when the caller does not own it)

Host state: `mutexes` {name: {"os_pid": <the holder's process>}} while a mutex is held; a holder whose process has
ended abandoned it. The lab runs one payload at a time under its state lock, so a mutex another payload holds is
planted state (a start cut mid-way, or one that still runs): WaitOne on it returns false once its time-out has
passed on the session's clock, or throws AbandonedMutexException (and takes it) when its holder is gone.
"""

import os

from ..engine import values as V
from ..engine.types import DotNetError
from .tasks import os_alive

MUTEX_TYPE = "System.Threading.Mutex"


class Mutex(V.NetObject):
    TYPE_NAME = MUTEX_TYPE
    TYPE_NAMES = (MUTEX_TYPE, "System.Threading.WaitHandle", "System.MarshalByRefObject")

    def __init__(self, ctx, engine, name):
        self._ctx = ctx
        self._engine = engine
        self._name = name
        self._owned = False

    def _table(self):
        return self._ctx.record.setdefault("mutexes", {})

    def _drop_empty(self):
        if not self._ctx.record.get("mutexes"):
            self._ctx.record.pop("mutexes", None)

    def WaitOne(self, milliseconds=-1):  # pylint: disable=invalid-name
        holder = self._table().get(self._name)
        if holder is not None and str(holder.get("os_pid")) != str(os.getpid()) and os_alive(holder.get("os_pid")):
            self._drop_empty()
            wait = V.to_integer(milliseconds, "System.Int32")
            if wait < 0:
                raise DotNetError("System.NotImplementedException",
                                  "lab: an infinite wait on a mutex another process holds would never end here")
            self._engine.clock.advance(wait / 1000.0)  # the time-out passes while the other process holds it
            return False
        self._table()[self._name] = {"os_pid": os.getpid()}
        self._owned = True
        if holder is not None and str(holder.get("os_pid")) != str(os.getpid()):
            raise DotNetError("System.Threading.AbandonedMutexException",
                              "The wait completed due to an abandoned mutex.")
        return True

    def ReleaseMutex(self):  # pylint: disable=invalid-name
        if not self._owned:
            raise DotNetError("System.ApplicationException",
                              "Object synchronization method was called from an unsynchronized block of code.")
        self._table().pop(self._name, None)
        self._drop_empty()
        self._owned = False

    def Dispose(self):  # pylint: disable=invalid-name
        """Closes the handle; a mutex still owned stays held until this process ends (then it is abandoned)."""


def install(session):
    ctx = session.ctx

    def new_mutex(engine, initially_owned=False, name=None):
        if V.to_bool(initially_owned) or name is None:
            raise DotNetError("System.NotImplementedException",
                              "lab: only new Mutex($false, '<name>') (a named mutex, not owned) is modelled")
        return Mutex(ctx, engine, V.to_string(name))
    session.factory(MUTEX_TYPE, new_mutex)
