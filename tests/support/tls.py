"""HTTPS in front of the test S3 server: a certificate authority made in the test, and a
TLS-terminating proxy that shows a chosen certificate and forwards plain bytes to moto.

Keys are EC P-256 (made in milliseconds); nothing here needs the openssl command.
"""

import datetime
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_DAY = datetime.timedelta(days=1)


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@dataclass
class Authority:
    """A CA: its certificate (``pem``, ``path`` once written) and the key that signs."""
    key: object
    cert: x509.Certificate
    path: Path

    @classmethod
    def create(cls, directory: Path, name: str = "Hoist Test CA") -> "Authority":
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(_name(name))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - _DAY).not_valid_after(now + 30 * _DAY)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                             crl_sign=True, content_commitment=False,
                                             key_encipherment=False, data_encipherment=False,
                                             key_agreement=False, encipher_only=False,
                                             decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name.replace(' ', '-').lower()}.pem"
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cls(key, cert, path)

    def issue(self, directory: Path, stem: str, names=("127.0.0.1", "localhost"),
              expired: bool = False) -> tuple[Path, Path]:
        """A server certificate for ``names`` (IP addresses or DNS names): (cert, key) files."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        start, end = (now - 10 * _DAY, now - 2 * _DAY) if expired else (now - _DAY, now + 10 * _DAY)
        alt = []
        for name in names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        cert = (x509.CertificateBuilder().subject_name(_name(names[0]))
                .issuer_name(self.cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(start).not_valid_after(end)
                .add_extension(x509.SubjectAlternativeName(alt), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .sign(self.key, hashes.SHA256()))
        cert_path, key_path = directory / f"{stem}.crt", directory / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(_pem_key(key))
        return cert_path, key_path


class HttpsFront:
    """https://127.0.0.1:<port> showing ``cert``, forwarding each connection to ``upstream``
    (an http://127.0.0.1:<port> URL) byte for byte."""

    def __init__(self, upstream: str, cert: Path, key: Path):
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname, parts.port)
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(cert, key)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.endpoint_url = f"https://127.0.0.1:{self.port}"
        self.handshakes_failed = 0           # clients that refused the certificate
        self._stopped = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped = True
        try:
            self._listener.shutdown(socket.SHUT_RDWR)    # wakes accept(); close() alone does not
        except OSError:
            pass
        self._listener.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            client.settimeout(10)
            secure = self._context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            self.handshakes_failed += 1     # the client said no: the point of most tests here
            client.close()
            return
        try:
            upstream = socket.create_connection(self._upstream, timeout=10)
        except OSError:
            secure.close()
            return
        secure.settimeout(None)
        upstream.settimeout(None)
        back = threading.Thread(target=_pump, args=(upstream, secure), daemon=True)
        back.start()
        _pump(secure, upstream)
        back.join(timeout=10)
        for sock in (secure, upstream):
            sock.close()


def _pump(source: socket.socket, target: socket.socket) -> None:
    """Copy until either side ends; then end the other way too, so neither waits forever."""
    try:
        while data := source.recv(1 << 16):
            target.sendall(data)
    except OSError:
        pass
    for sock in (target, source):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
