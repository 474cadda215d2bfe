"""Keep Toggl Track's clients in line with a CRM's customer list."""

from .sync import Customer, SyncReport, sync_customers

__all__ = ["Customer", "SyncReport", "sync_customers"]
