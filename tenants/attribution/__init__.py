"""Channel attribution: which partners touched a deal, and revenue by source and by partner."""
