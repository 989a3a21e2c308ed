"""promoter: promote the exact image tag staging had to production, over git."""

__version__ = "0.1.0"
