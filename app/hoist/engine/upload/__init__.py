"""One file's upload: UploadTask and the steps it takes (prepare, adopt, verify)."""
