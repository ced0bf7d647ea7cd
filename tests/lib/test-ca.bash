# A test certificate authority for HTTPS tests: load it with
# "load lib/test-ca" and call make_ca DIR, then make_client DIR.

# make_ca DIR: DIR/ca.pem (and ca.key), and DIR/server.pem with
# DIR/server.key, a certificate for 127.0.0.1 the CA signed
make_ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca \
		-keyout "$1/ca.key" -out "$1/ca.pem" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
		-keyout "$1/server.key" -out "$1/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' >"$1/server.ext"
	openssl x509 -req -in "$1/server.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" \
		-CAcreateserial -days 1 -extfile "$1/server.ext" \
		-out "$1/server.pem" 2>/dev/null
}

# make_client DIR: DIR/client.pem and DIR/client.key, a client
# certificate the CA of make_ca signed (for mutual TLS)
make_client() {
	openssl req -newkey rsa:2048 -nodes -subj /CN=falco-pipes-client \
		-keyout "$1/client.key" -out "$1/client.csr" 2>/dev/null
	printf 'extendedKeyUsage=clientAuth\n' >"$1/client.ext"
	openssl x509 -req -in "$1/client.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" \
		-CAcreateserial -days 1 -extfile "$1/client.ext" \
		-out "$1/client.pem" 2>/dev/null
}
