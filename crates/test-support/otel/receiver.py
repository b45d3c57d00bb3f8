"""A minimal OTLP receiver for the tests, on the official protobuf definitions.

Usage: receiver.py OUT_FILE [--hang] [--tls DIR]

Serves OTLP/HTTP on a loopback port it picks: POST /v1/logs, /v1/traces and
/v1/metrics, protobuf (application/x-protobuf) or JSON (application/json); and
OTLP/gRPC (the three collector services) on a second port. The first line of
stdout is "port HTTP_PORT GRPC_PORT". With --tls DIR both speak TLS only and
require a client certificate: the receiver makes a CA, a server certificate
for 127.0.0.1 and a client certificate, and writes ca.pem, client.pem and
client.key into DIR. Each request is written
to OUT_FILE as one JSON line {"signal", "content_type", "body"}, where body is
the request decoded into the proto's JSON form (MessageToDict, with trace and
span ids as hex rather than base64). With --hang it
reads requests and never answers, to stand for a collector that hangs.
"""

import base64
import http.server
import json
import sys
import threading

from concurrent import futures

import grpc
from google.protobuf.json_format import MessageToDict, Parse
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

REQUESTS = {
    "/v1/logs": ("logs", logs_service_pb2.ExportLogsServiceRequest, logs_service_pb2.ExportLogsServiceResponse),
    "/v1/traces": ("traces", trace_service_pb2.ExportTraceServiceRequest, trace_service_pb2.ExportTraceServiceResponse),
    "/v1/metrics": ("metrics", metrics_service_pb2.ExportMetricsServiceRequest, metrics_service_pb2.ExportMetricsServiceResponse),
}

out_path = sys.argv[1]
hang = "--hang" in sys.argv
tls_dir = sys.argv[sys.argv.index("--tls") + 1] if "--tls" in sys.argv else None
lock = threading.Lock()


def hexify_body(body):
    hexify(body)
    return body


def hexify(node):
    """Trace and span ids as hex, the way W3C trace context writes them."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                node[key] = base64.b64decode(value).hex()
            else:
                hexify(value)
    elif isinstance(node, list):
        for item in node:
            hexify(item)


def record(signal, content_type, headers, request):
    line = json.dumps({
        "signal": signal,
        "content_type": content_type,
        "headers": headers,
        "body": hexify_body(MessageToDict(request)),
    })
    with lock:
        with open(out_path, "a") as out:
            out.write(line + "\n")


def grpc_servicer(base, signal, response_type):
    class Servicer(base):
        def Export(self, request, context):
            if hang:
                threading.Event().wait()
            headers = {k.lower(): v for k, v in context.invocation_metadata()}
            record(signal, "application/grpc", headers, request)
            return response_type()

    return Servicer()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if hang:
            threading.Event().wait()
        known = REQUESTS.get(self.path)
        if known is None:
            self.send_error(404)
            return
        signal, request_type, response_type = known
        content_type = self.headers.get("content-type", "")
        request = request_type()
        if content_type.startswith("application/json"):
            Parse(body.decode(), request)
            answer = b"{}"
        else:
            request.ParseFromString(body)
            answer = response_type().SerializeToString()
        record(signal, content_type, {k.lower(): v for k, v in self.headers.items()}, request)
        self.send_response(200)
        self.send_header("content-type", content_type or "application/x-protobuf")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
logs_service_pb2_grpc.add_LogsServiceServicer_to_server(
    grpc_servicer(logs_service_pb2_grpc.LogsServiceServicer, "logs", logs_service_pb2.ExportLogsServiceResponse),
    grpc_server,
)
trace_service_pb2_grpc.add_TraceServiceServicer_to_server(
    grpc_servicer(trace_service_pb2_grpc.TraceServiceServicer, "traces", trace_service_pb2.ExportTraceServiceResponse),
    grpc_server,
)
metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(
    grpc_servicer(metrics_service_pb2_grpc.MetricsServiceServicer, "metrics", metrics_service_pb2.ExportMetricsServiceResponse),
    grpc_server,
)
def make_certificates(directory):
    """A CA, a server certificate for 127.0.0.1 and a client certificate."""
    import datetime
    import ipaddress
    import os

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(common):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    def issue(subject, key, issuer, issuer_key, ca, san=None, usage=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(name(issuer))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        if usage:
            builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    def pem_key(key):
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def pem_cert(cert):
        return cert.public_bytes(serialization.Encoding.PEM)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = issue("test otlp ca", ca_key, "test otlp ca", ca_key, True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = issue(
        "127.0.0.1", server_key, "test otlp ca", ca_key, False,
        san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
        usage=ExtendedKeyUsageOID.SERVER_AUTH,
    )
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = issue(
        "codex", client_key, "test otlp ca", ca_key, False,
        usage=ExtendedKeyUsageOID.CLIENT_AUTH,
    )
    files = {
        "ca.pem": pem_cert(ca),
        "client.pem": pem_cert(client),
        "client.key": pem_key(client_key),
        "server.pem": pem_cert(server),
        "server.key": pem_key(server_key),
    }
    for file_name, data in files.items():
        with open(os.path.join(directory, file_name), "wb") as out:
            out.write(data)
    return files


if tls_dir:
    files = make_certificates(tls_dir)
    credentials = grpc.ssl_server_credentials(
        [(files["server.key"], files["server.pem"])],
        root_certificates=files["ca.pem"],
        require_client_auth=True,
    )
    grpc_port = grpc_server.add_secure_port("127.0.0.1:0", credentials)
else:
    grpc_port = grpc_server.add_insecure_port("127.0.0.1:0")
grpc_server.start()

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if tls_dir:
    import os
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(tls_dir, "server.pem"), os.path.join(tls_dir, "server.key"))
    context.load_verify_locations(os.path.join(tls_dir, "ca.pem"))
    context.verify_mode = ssl.CERT_REQUIRED
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"port {server.server_address[1]} {grpc_port}", flush=True)
server.serve_forever()
