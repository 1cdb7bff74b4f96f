#!/usr/bin/env python3
# Test certificates made with the openssl command line (Python's ssl module
# cannot create them): a CA and a serving certificate signed by it with the
# given DNS/IP SANs. Used for the stand-in's own HTTPS and for fake webhooks
# in the self-tests. gitgate's certificates come from `gitgate certs`.
# Usage: certs.py --out DIR [--dns NAME]... [--ip ADDR]... [--cn NAME]
import argparse
import os
import subprocess


def _run(args, cwd):
    subprocess.run(["openssl"] + args, cwd=cwd, check=True, timeout=30,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make(out, dns=(), ips=(), cn="kube-apiserver-standin", days=30):
    """Write ca.crt, ca.key, tls.crt, tls.key into out; return paths."""
    os.makedirs(out, exist_ok=True)
    _run(["req", "-x509", "-newkey", "ec", "-pkeyopt",
          "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out",
          "ca.crt", "-days", str(days), "-subj", "/CN=%s-ca" % cn,
          "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"], out)
    sans = ["DNS:" + d for d in dns] + ["IP:" + i for i in ips]
    with open(os.path.join(out, "ext.cnf"), "w") as f:
        f.write("basicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n")
        if sans:
            f.write("subjectAltName=%s\n" % ",".join(sans))
    _run(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
          "-nodes", "-keyout", "tls.key", "-out", "tls.csr", "-subj",
          "/CN=%s" % cn], out)
    _run(["x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey",
          "ca.key", "-CAcreateserial", "-out", "tls.crt", "-days", str(days),
          "-extfile", "ext.cnf"], out)
    for f in ("tls.csr", "ext.cnf", "ca.srl"):
        try:
            os.unlink(os.path.join(out, f))
        except FileNotFoundError:
            pass
    return {k: os.path.join(out, k) for k in ("ca.crt", "ca.key", "tls.crt",
                                               "tls.key")}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--dns", action="append", default=[])
    p.add_argument("--ip", action="append", default=[])
    p.add_argument("--cn", default="kube-apiserver-standin")
    a = p.parse_args()
    make(a.out, a.dns, a.ip, a.cn)


if __name__ == "__main__":
    main()
