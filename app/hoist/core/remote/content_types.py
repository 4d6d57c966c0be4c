"""Content-Type from a file's name, from a table shipped with Hoist.

Not Python's ``mimetypes``: that reads the system's registry (the Windows registry,
/etc/mime.types), so the same file would be stored as another type on another
computer. This table gives the same answer everywhere; a name it does not know is
``application/octet-stream``, what S3 would say anyway.
"""

UNKNOWN = "application/octet-stream"

# Compressed tarballs are stored as what they are, a gzip file: a Content-Encoding of gzip
# would make browsers and HTTP clients unpack them on download.
_DOUBLE = {".tar.gz": "application/gzip", ".tar.bz2": "application/x-bzip2",
           ".tar.xz": "application/x-xz", ".tar.zst": "application/zstd"}

TYPES = {
    # web
    ".html": "text/html", ".htm": "text/html", ".css": "text/css",
    ".js": "text/javascript", ".mjs": "text/javascript", ".cjs": "text/javascript",
    ".json": "application/json", ".map": "application/json",
    ".jsonld": "application/ld+json", ".webmanifest": "application/manifest+json",
    ".xml": "application/xml", ".rss": "application/rss+xml", ".atom": "application/atom+xml",
    ".svg": "image/svg+xml", ".wasm": "application/wasm", ".ico": "image/vnd.microsoft.icon",
    ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    # images
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".avif": "image/avif", ".heic": "image/heic", ".heif": "image/heif",
    ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff", ".jxl": "image/jxl",
    # audio and video
    ".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime",
    ".mkv": "video/x-matroska", ".webm": "video/webm", ".avi": "video/x-msvideo",
    ".mpeg": "video/mpeg", ".mpg": "video/mpeg", ".ts": "video/mp2t", ".m3u8":
    "application/vnd.apple.mpegurl", ".mpd": "application/dash+xml",
    ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".flac": "audio/flac",
    ".wav": "audio/wav", ".ogg": "audio/ogg", ".oga": "audio/ogg", ".ogv": "video/ogg",
    ".opus": "audio/opus", ".mid": "audio/midi", ".midi": "audio/midi",
    # documents and text
    ".pdf": "application/pdf", ".txt": "text/plain", ".text": "text/plain",
    ".log": "text/plain", ".csv": "text/csv", ".tsv": "text/tab-separated-values",
    ".md": "text/markdown", ".markdown": "text/markdown", ".rtf": "application/rtf",
    ".ics": "text/calendar", ".vcf": "text/vcard", ".yaml": "application/yaml",
    ".yml": "application/yaml", ".toml": "application/toml", ".epub": "application/epub+zip",
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".odg": "application/vnd.oasis.opendocument.graphics",
    # archives and packages
    ".zip": "application/zip", ".tar": "application/x-tar", ".gz": "application/gzip",
    ".tgz": "application/gzip", ".bz2": "application/x-bzip2", ".xz": "application/x-xz",
    ".zst": "application/zstd", ".7z": "application/x-7z-compressed",
    ".rar": "application/vnd.rar", ".jar": "application/java-archive",
    ".iso": "application/x-iso9660-image", ".dmg": "application/x-apple-diskimage",
    ".deb": "application/vnd.debian.binary-package", ".rpm": "application/x-rpm",
    ".apk": "application/vnd.android.package-archive",
    ".parquet": "application/vnd.apache.parquet",
}


def guess_content_type(name: str) -> str:
    """The Content-Type of a file called ``name`` (a path or a key), by its extension,
    in any letter case; ``application/octet-stream`` when the table does not know it."""
    # string work, not PurePath: a 100,000-file drop guesses every name
    base = name.replace("\\", "/").rpartition("/")[2].lower()
    for double, content_type in _DOUBLE.items():
        if base.endswith(double) and base != double:
            return content_type
    dot = base.rfind(".")
    if dot <= 0:            # no extension, or a dot file such as ".bashrc"
        return UNKNOWN
    return TYPES.get(base[dot:], UNKNOWN)
