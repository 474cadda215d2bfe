"""One pass of the sync: the CRM's customers are the truth, matched on `external_reference`; each
customer's projects exist, active, under its client."""

from __future__ import annotations

from dataclasses import dataclass, field

from toggl_track_client import Toggl
from toggl_track_client.models import ClientModel


@dataclass(frozen=True)
class Customer:
    crm_id: str
    name: str
    notes: str | None = None
    projects: tuple[str, ...] = ()


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    projects_created: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return (len(self.created) + len(self.renamed) + len(self.restored) + len(self.archived)
                + len(self.projects_created))  # fmt: skip


def sync_customers(toggl: Toggl, workspace_id: int, customers: list[Customer]) -> SyncReport:
    """Create, rename, restore and archive Toggl clients so that they match `customers`, and
    create each customer's missing projects under its client (archiving a client archives its
    projects; restoring it restores them).

    Clients without an `external_reference` are not the CRM's and are left alone.
    """
    report = SyncReport()
    ours: dict[str, ClientModel] = {
        client.external_reference: client
        for client in toggl.clients.list_all(workspace_id, status="both")
        if client.external_reference
    }
    wanted = {customer.crm_id for customer in customers}
    for customer in customers:
        existing = ours.get(customer.crm_id)
        if existing is None:
            existing = toggl.clients.create(
                workspace_id,
                name=customer.name,
                notes=customer.notes,
                external_reference=customer.crm_id,
            )
            report.created.append(customer.name)
        else:
            if existing.archived:
                toggl.clients.restore(workspace_id, existing.id, restore_all_projects=True)
                report.restored.append(customer.name)
            if existing.name != customer.name:
                toggl.clients.update(workspace_id, existing.id, name=customer.name)
                report.renamed.append(customer.name)
        _ensure_projects(toggl, workspace_id, existing, customer, report)
    gone = [c for crm_id, c in ours.items() if crm_id not in wanted and not c.archived]
    if gone:
        toggl.clients.archive_many(workspace_id, client_ids=[c.id for c in gone])
        report.archived += [c.name for c in gone]
    return report


def _ensure_projects(
    toggl: Toggl, workspace_id: int, client: ClientModel, customer: Customer, report: SyncReport
) -> None:
    if not customer.projects:
        return
    have = {
        project.name.casefold()
        for project in toggl.projects.list_all(workspace_id, client_ids=str(client.id))
    }
    for name in customer.projects:
        if name.casefold() not in have:
            # `active` is sent: Toggl archives a project created without it.
            toggl.projects.create(workspace_id, name=name, client_id=client.id, active=True)
            report.projects_created.append(f"{customer.name}: {name}")
