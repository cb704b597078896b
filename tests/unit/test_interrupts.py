"""A Ctrl-C is remembered even when the code it interrupted swallowed it (warehouse.interrupts)."""

import signal
import threading

import pytest

from warehouse import interrupts

pytestmark = pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                                reason="signal handlers and the wakeup fd belong to the main thread")


class _InterruptedWhileNamed:
    """Ctrl-C arriving while a class is being made (as in an extension module's import): the
    interpreter wraps the handler's exception into a RuntimeError, which the caller may catch."""

    def __set_name__(self, owner, name):
        signal.raise_signal(signal.SIGINT)


class _StepInterrupt(BaseException):
    """What Dagster's handler raises inside a step."""


@pytest.fixture
def raising_handler():
    def handler(_signum, _frame):
        raise _StepInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_a_swallowed_ctrl_c_is_still_seen(raising_handler):
    with interrupts.record_signals():
        assert not interrupts.interrupted()
        try:
            class _Holder:
                member = _InterruptedWhileNamed()
        except Exception as exc:  # what a library's `except Exception` around an import does
            swallowed = exc
        assert isinstance(swallowed, RuntimeError) and isinstance(swallowed.__cause__, _StepInterrupt)
        assert interrupts.interrupted()
        assert interrupts.interrupted()  # asked again: still true (the record is kept, not consumed)
        with pytest.raises(KeyboardInterrupt):
            interrupts.stop_if_interrupted()


def test_no_signal_no_interrupt_and_the_previous_wakeup_fd_is_restored(raising_handler):
    before = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(before)
    with interrupts.record_signals():
        interrupts.stop_if_interrupted()
        assert not interrupts.interrupted()
    assert signal.set_wakeup_fd(before) == before
    assert not interrupts.interrupted()


def test_each_run_starts_without_the_last_ones_interrupt(raising_handler):
    with interrupts.record_signals():
        with pytest.raises(_StepInterrupt):
            signal.raise_signal(signal.SIGINT)
        assert interrupts.interrupted()
    with interrupts.record_signals():
        assert not interrupts.interrupted()


def test_inside_checkpoints_ctrl_c_waits_for_the_next_checkpoint(raising_handler):
    reached = []
    with interrupts.record_signals(), pytest.raises(KeyboardInterrupt), interrupts.checkpoints():
        signal.raise_signal(signal.SIGINT)  # recorded, not raised here
        reached.append("after the signal")
        interrupts.stop_if_interrupted()
        reached.append("after the checkpoint")
    assert reached == ["after the signal"]


def test_a_block_without_checkpoints_stops_at_its_end_and_gives_the_handler_back(raising_handler):
    handler = signal.getsignal(signal.SIGINT)
    with interrupts.record_signals():
        with pytest.raises(KeyboardInterrupt), interrupts.checkpoints():
            signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is handler
    with interrupts.record_signals(), interrupts.checkpoints():
        pass  # no signal: nothing raised


def test_no_ctrl_c_outlives_its_run_or_block(raising_handler):
    """A Ctrl-C recorded in one run (or one block outside any run) never stops a later one in the
    same process: tests and Dagster's in-process runs share it."""
    with interrupts.record_signals(), pytest.raises(KeyboardInterrupt), interrupts.checkpoints():
        signal.raise_signal(signal.SIGINT)
    assert not interrupts.interrupted()
    with pytest.raises(KeyboardInterrupt), interrupts.checkpoints():
        signal.raise_signal(signal.SIGINT)
    assert not interrupts.interrupted()
    with interrupts.checkpoints():
        interrupts.stop_if_interrupted()
