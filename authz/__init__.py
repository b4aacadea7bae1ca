"""Authorization: who the caller is and what a role may do. A leaf: imports nothing of ours."""
