"""The console's use cases that are not a scan: open/save the inventory, start the demo lab, export.

Every file or process operation runs on the executor; results and failures come back as signals the main
window shows (status line, error list), so widgets stay thin and nothing blocks painting.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from avma_console.domain.fleet import FleetSnapshot
from avma_console.domain.inventory import Inventory, InventoryError
from avma_console.qt.context import AppContext
from avma_console.services.demo import DemoLab, DemoLabError
from avma_console.services.fleet_formats import to_csv, to_json
from avma_console.services.inventory_files import load_inventory, save_inventory


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="")


class Session(QObject):
    inventory_changed = Signal(object)  # Inventory | None
    status = Signal(str)
    problem = Signal(str, str)  # title, message (plain text; expected failures, not bugs)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context

    @property
    def inventory(self) -> Inventory | None:
        return self._context.inventory

    @property
    def demo(self) -> bool:
        return self._context.demo_lab is not None

    def set_inventory(self, inventory: Inventory | None, path: Path | None) -> None:
        self._context.inventory = inventory
        self._context.inventory_path = path
        if path is not None:
            self._context.settings.last_inventory = path
        self.inventory_changed.emit(inventory)

    async def start_demo(self) -> bool:
        self.status.emit(self.tr("Starting the demo lab (a simulated Hyper-V fleet on 127.0.0.1)…"))
        try:
            lab = await self._context.tasks.run_blocking(DemoLab().start)
        except DemoLabError as error:
            self.problem.emit(self.tr("The demo lab did not start"), str(error))
            return False
        if self._context.closed:
            await self._context.tasks.run_blocking(lab.stop)
            return False
        self._context.demo_lab = lab
        self._context.guest_credential = lab.guest_credential
        try:
            inventory = await self._context.tasks.run_blocking(load_inventory, lab.inventory_path)
        except InventoryError as error:
            self.problem.emit(self.tr("The demo inventory could not be read"), str(error))
            return False
        self.set_inventory(inventory, None)
        self.status.emit(self.tr("Demo lab running with {count} hosts").format(count=len(inventory.entries)))
        return True

    async def open_inventory(self, path: Path) -> bool:
        try:
            inventory = await self._context.tasks.run_blocking(load_inventory, path)
        except InventoryError as error:
            self.problem.emit(self.tr("The inventory could not be opened"), str(error))
            return False
        self._context.guest_credential = None
        self.set_inventory(inventory, path)
        self.status.emit(self.tr("Opened {path}: {count} entries").format(path=path.name, count=len(inventory.entries)))
        return True

    async def save_inventory(self, path: Path, inventory: Inventory | None = None) -> bool:
        inventory = inventory or self._context.inventory
        if inventory is None:
            return False
        try:
            await self._context.tasks.run_blocking(save_inventory, inventory, path)
        except InventoryError as error:
            self.problem.emit(self.tr("The inventory could not be saved"), str(error))
            return False
        self._context.inventory_path = path
        self._context.settings.last_inventory = path
        self.status.emit(self.tr("Saved {path}").format(path=str(path)))
        return True

    async def export(self, snapshot: FleetSnapshot, path: Path, fmt: str) -> bool:
        render = to_csv if fmt == "csv" else to_json
        try:
            text = await self._context.tasks.run_blocking(render, snapshot)
            await self._context.tasks.run_blocking(_write_text, path, text)
        except OSError as error:
            self.problem.emit(
                self.tr("Export failed"),
                self.tr("{path}: {reason}; choose a writable folder").format(path=str(path), reason=error.strerror),
            )
            return False
        self.status.emit(self.tr("Exported {count} hosts to {path}").format(count=len(snapshot.hosts), path=str(path)))
        return True
