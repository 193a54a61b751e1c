"""Passwords for a scan, gathered before it starts: keyring and environment on the executor (a keyring
may block on an unlock prompt), "prompt" entries asked in the GUI once per user name.

A failure is kept per entry and raised when the scan asks for that entry, so the scan service reports it as
that host's credential error instead of the whole scan failing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from avma_console.domain.inventory import Inventory, InventoryEntry
from avma_console.qt.context import AppContext
from avma_console.services.credentials import CredentialError, resolve_password

PasswordAsker = Callable[[str], Awaitable[str | None]]


@dataclass
class Passwords:
    by_entry: dict[tuple[str, str], str | Exception] = field(default_factory=dict)
    by_user: dict[str, str] = field(default_factory=dict)
    resolve: Callable[[InventoryEntry], str] | None = None

    def password_for(self, entry: InventoryEntry) -> str | None:
        if not entry.settings.needs_password:
            return None
        found = self.by_entry.get((entry.kind, entry.name.casefold()))
        if found is None:
            # A cluster node discovered during the scan: same settings as its cluster entry.
            user = entry.settings.username or ""
            if entry.settings.credential_kind == "prompt" and user in self.by_user:
                return self.by_user[user]
            if self.resolve is None:
                raise CredentialError(f"{entry.kind} '{entry.name}': no password available")
            return self.resolve(entry)
        if isinstance(found, Exception):
            raise found
        return found


def dialog_asker(parent: QWidget | None = None) -> PasswordAsker:
    """Ask with a non-blocking QInputDialog (no nested event loop) and await the answer."""

    async def ask(question: str) -> str | None:
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        dialog = QInputDialog(parent)
        dialog.setWindowTitle(QCoreApplication.translate("Passwords", "Password"))
        dialog.setLabelText(question)
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)

        def done(result: int) -> None:
            if not future.done():
                future.set_result(dialog.textValue() if result else None)
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()
        return await future

    return ask


class PasswordBook:
    def __init__(self, context: AppContext, asker: PasswordAsker | None) -> None:
        self._context = context
        self._asker = asker

    async def collect(self, inventory: Inventory) -> Passwords:
        store = self._context.credentials
        passwords = Passwords(resolve=lambda entry: resolve_password(entry, store=store, prompt=None))
        prompted: list[InventoryEntry] = []
        others: list[InventoryEntry] = []
        for entry in inventory.entries:
            if not entry.settings.needs_password:
                continue
            (prompted if entry.settings.credential_kind == "prompt" else others).append(entry)

        for entry in prompted:
            user = entry.settings.username or ""
            key = (entry.kind, entry.name.casefold())
            if user in passwords.by_user:
                passwords.by_entry[key] = passwords.by_user[user]
                continue
            answer = await self._asker(_question(entry)) if self._asker is not None else None
            if answer:
                passwords.by_user[user] = answer
                passwords.by_entry[key] = answer
            else:
                passwords.by_entry[key] = CredentialError(
                    f"{entry.kind} '{entry.name}': no password entered for {user}; connection cancelled"
                )

        def resolve_all() -> dict[tuple[str, str], str | Exception]:
            found: dict[tuple[str, str], str | Exception] = {}
            for entry in others:
                try:
                    found[(entry.kind, entry.name.casefold())] = resolve_password(entry, store=store, prompt=None)
                except CredentialError as error:
                    found[(entry.kind, entry.name.casefold())] = error
            return found

        if others:
            passwords.by_entry.update(await self._context.tasks.run_blocking(resolve_all))
        return passwords


def _question(entry: InventoryEntry) -> str:
    return QCoreApplication.translate("Passwords", "Password for {user} on {target}:").format(
        user=entry.settings.username or "", target=entry.name
    )
