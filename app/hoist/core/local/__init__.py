"""The local side: which files a drop means, whether they changed, sizes and times for people."""
