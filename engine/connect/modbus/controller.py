#!/usr/bin/python3
"""A plant controller (PLC / safety relay) stand-in that speaks real Modbus TCP through pymodbus.

Vigil only *asks* a controller to trip a machine; the controller is what actually stops it, and it
must fail safe on its own when Vigil goes quiet. This program plays that controller for the tests
and `vigil bench`, with the behaviour a real one would be programmed with:

* Trip requests latch. Coil i (i = 0 .. assets-1) is asset i's trip request: when it goes to 1 the
  controller latches asset i tripped (cause 1 = command) and records the monotonic time. Writing a
  non-zero value to holding register i does the same (for plants that use a command word).
  Writing 0 afterwards does not un-trip: only the reset coil does.
* Heartbeat watchdog. The heartbeat coil (default 1000) must *toggle* (be written with the value
  it does not hold) at least every --watchdog-ms. Writing the same value again is not a sign of
  life. The watchdog arms at the first toggle (so a controller waiting for its engine does not trip
  at power-up); once armed, a gap longer than --watchdog-ms trips every asset that is not already
  tripped with cause 2 = watchdog, then disarms until the next toggle.
* The first cause wins (first-out): an asset tripped by command keeps cause 1 if the watchdog
  expires later.
* Reset: writing 1 to the reset coil (heartbeat coil + 1) clears every latch and trip request; the
  coil reads 0 again afterwards.

State for the tests (zero-based protocol addresses, any unit id is answered):

* discrete input i: asset i tripped (1) or running (0);
* input register i: asset i's trip cause, 0 none, 1 command, 2 watchdog;
* input register H (H = heartbeat coil): 1 when the watchdog is armed;
* input register H+1: heartbeat toggles seen (modulo 65536);
* input register H+2: watchdog expiries (modulo 65536).

Process values (speed, temperature, load) for the polling source, a block of --process-count
registers from --process-start (default 2000..2099): holding register P+k is freely writable and
readable (no trip logic), and input register P+k mirrors it, so a test sets a value by writing the
holding register over Modbus (FC6/FC16) and then polls either table. --preset P+k=VALUE (repeatable)
sets one at start-up. Values are raw 16-bit words; 32-bit formats span two of them.

Every other address is outside the configured tables: reading or writing it gets a real Modbus
exception 2 (ILLEGAL DATA ADDRESS).

One line to stdout per event, flushed at once, so a test can read `peer.output()`; times are
CLOCK_MONOTONIC nanoseconds (time.monotonic_ns), the clock Node's process.hrtime.bigint() reads:

    LISTENING port=5020 assets=4 heartbeatCoil=1000 watchdogMs=300 processValues=2000..2099
    ARMED monoNs=...
    TRIP asset=3 cause=command monoNs=...
    WATCHDOG lastToggleMonoNs=... monoNs=...
    TRIP asset=0 cause=watchdog monoNs=...
    RESET monoNs=...
"""

import argparse
import asyncio
import logging
import time

from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext, ModbusSparseDataBlock
from pymodbus.server.async_io import ModbusTcpServer

CAUSE_NONE, CAUSE_COMMAND, CAUSE_WATCHDOG = 0, 1, 2
CAUSE_NAMES = {CAUSE_COMMAND: "command", CAUSE_WATCHDOG: "watchdog"}


def emit(line):
    """One event line, flushed now: the reader is a pipe, which Python would otherwise buffer."""
    print(line, flush=True)


class Controller(ModbusSlaveContext):
    """The data tables plus the latch and watchdog logic that reacts to writes into them."""

    def __init__(self, assets, heartbeat_coil, watchdog_ms, process_start, process_count, presets):
        self.assets = assets
        self.process = range(process_start, process_start + process_count)
        words = {a: 0 for a in self.process}
        words.update(presets)
        self.heartbeat_coil = heartbeat_coil
        self.reset_coil = heartbeat_coil + 1
        self.watchdog_ns = watchdog_ms * 1_000_000
        coils = {i: 0 for i in range(assets)}
        coils[heartbeat_coil] = 0
        coils[self.reset_coil] = 0
        status = {heartbeat_coil: 0, heartbeat_coil + 1: 0, heartbeat_coil + 2: 0}
        super().__init__(
            co=ModbusSparseDataBlock(coils, mutable=False),
            hr=ModbusSparseDataBlock({**{i: 0 for i in range(assets)}, **words}, mutable=False),
            di=ModbusSparseDataBlock({i: 0 for i in range(assets)}, mutable=False),
            ir=ModbusSparseDataBlock({**{i: 0 for i in range(assets)}, **status, **words}, mutable=False),
            zero_mode=True,
        )
        self.causes = [CAUSE_NONE] * assets
        self.armed = False
        self.armed_changed = asyncio.Event()
        self.last_toggle_ns = 0
        self.toggles = 0
        self.expiries = 0

    def setValues(self, fc_as_hex, address, values):  # noqa: N802 (pymodbus's name)
        """Store a client's write, then act on it as the controller program would."""
        before = self.store["c"].values.get(self.heartbeat_coil)
        super().setValues(fc_as_hex, address, values)
        table = self.decode(fc_as_hex)
        for offset, value in enumerate(values if isinstance(values, list) else [values]):
            addr = address + offset
            if table == "c" and addr < self.assets and value:
                self.trip(addr, CAUSE_COMMAND)
            elif table == "h" and addr < self.assets and value:
                self.trip(addr, CAUSE_COMMAND)
            elif table == "h" and addr in self.process:
                self.store["i"].setValues(addr, [value])
            elif table == "c" and addr == self.heartbeat_coil and bool(value) != bool(before):
                self.toggled()
                before = value
            elif table == "c" and addr == self.reset_coil and value:
                self.reset()

    def toggled(self):
        self.last_toggle_ns = time.monotonic_ns()
        self.toggles += 1
        self.store["i"].setValues(self.heartbeat_coil + 1, [self.toggles % 65536])
        if not self.armed:
            self.armed = True
            self.store["i"].setValues(self.heartbeat_coil, [1])
            emit(f"ARMED monoNs={self.last_toggle_ns}")
        self.armed_changed.set()

    def trip(self, asset, cause):
        if self.causes[asset] != CAUSE_NONE:
            return
        self.causes[asset] = cause
        self.store["d"].setValues(asset, [1])
        self.store["i"].setValues(asset, [cause])
        emit(f"TRIP asset={asset} cause={CAUSE_NAMES[cause]} monoNs={time.monotonic_ns()}")

    def reset(self):
        self.causes = [CAUSE_NONE] * self.assets
        self.store["d"].setValues(0, [0] * self.assets)
        self.store["i"].setValues(0, [0] * self.assets)
        self.store["c"].setValues(0, [0] * self.assets)
        self.store["h"].setValues(0, [0] * self.assets)
        self.store["c"].setValues(self.reset_coil, [0])
        emit(f"RESET monoNs={time.monotonic_ns()}")

    async def watchdog(self):
        """Sleeps until the current deadline; a toggle meanwhile only moves the deadline later."""
        while True:
            if not self.armed:
                self.armed_changed.clear()
                await self.armed_changed.wait()
                continue
            remaining_ns = self.last_toggle_ns + self.watchdog_ns - time.monotonic_ns()
            if remaining_ns > 0:
                await asyncio.sleep(remaining_ns / 1e9)
                continue
            self.expiries += 1
            self.armed = False
            self.store["i"].setValues(self.heartbeat_coil, [0])
            self.store["i"].setValues(self.heartbeat_coil + 2, [self.expiries % 65536])
            emit(f"WATCHDOG lastToggleMonoNs={self.last_toggle_ns} monoNs={time.monotonic_ns()}")
            for asset in range(self.assets):
                self.trip(asset, CAUSE_WATCHDOG)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--assets", type=int, required=True)
    parser.add_argument("--heartbeat-coil", type=int, default=1000)
    parser.add_argument("--watchdog-ms", type=int, required=True)
    parser.add_argument("--process-start", type=int, default=2000)
    parser.add_argument("--process-count", type=int, default=100)
    parser.add_argument("--preset", action="append", default=[], metavar="ADDR=VALUE")
    args = parser.parse_args()
    process = range(args.process_start, args.process_start + args.process_count)
    status = range(args.heartbeat_coil, args.heartbeat_coil + 3)
    if args.process_count < 1 or args.process_start < args.assets or process[-1] > 0xFFFF or (process.start < status.stop and status.start < process.stop):
        parser.error("the process-value block must fit in 16 bits and overlap neither the assets nor the status registers")
    presets = {}
    for preset in args.preset:
        addr, _, value = preset.partition("=")
        if not addr.isdigit() or not value.isdigit() or int(addr) not in process or int(value) > 0xFFFF:
            parser.error(f"--preset {preset}: expected ADDR=VALUE with ADDR in the process block and a 16-bit VALUE")
        presets[int(addr)] = int(value)
    if not 1 <= args.assets <= args.heartbeat_coil:
        parser.error("need 1 <= assets <= heartbeat coil (asset and status addresses must not overlap)")
    if args.heartbeat_coil + 2 > 0xFFFF or args.watchdog_ms <= 0:
        parser.error("heartbeat coil + 2 must fit in 16 bits and watchdog-ms must be positive")
    logging.basicConfig(level=logging.ERROR)
    # Keep real faults (a datastore error) but not the routine ones: the client reports exceptions
    # itself, and a client hanging up is normal. Only event lines should crowd `peer.output()`.
    routine = ("Exception Response", "Handler for stream")
    for handler in logging.getLogger().handlers:
        handler.addFilter(lambda record: not record.getMessage().startswith(routine))
    controller = Controller(args.assets, args.heartbeat_coil, args.watchdog_ms, args.process_start, args.process_count, presets)
    server = ModbusTcpServer(
        ModbusServerContext(slaves=controller, single=True),
        address=(args.host, args.port),
        # A restart on the same port (outage tests) must not wait out TIME_WAIT.
        allow_reuse_address=True,
    )
    watchdog = asyncio.create_task(controller.watchdog())
    serving = asyncio.create_task(server.serve_forever())
    await server.serving
    emit(f"LISTENING port={args.port} assets={args.assets} heartbeatCoil={args.heartbeat_coil} watchdogMs={args.watchdog_ms} processValues={process.start}..{process.stop - 1}")
    await asyncio.gather(watchdog, serving)


if __name__ == "__main__":
    asyncio.run(main())
