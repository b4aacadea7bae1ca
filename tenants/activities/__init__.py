"""Timeline entries (notes, calls, meetings, emails, tasks) on customers, deals and partners."""
