# tests/lib/test-ca.bash: certificates for the TLS tests of every suite.
#
# make_test_ca DIR makes, in DIR (PEM files, EC P-256 keys, valid 1 day):
#   ca.pem ca.key            a test CA
#   server.pem server.key    a server certificate for 127.0.0.1 and
#                            localhost, signed by the CA
#   client.pem client.key    a client certificate (CN=test-client),
#                            signed by the CA
#   stranger.pem stranger.key  a client certificate signed by another CA
#                            (other-ca.pem), which the first does not trust
# Nothing is installed or trusted system-wide.

# test_ca_sign DIR NAME CN EXT CA: NAME.pem and NAME.key for CN, signed by CA
test_ca_sign() {
	local d=$1 name=$2 cn=$3 ext=$4 ca=$5
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=$cn" -keyout "$d/$name.key" -out "$d/$name.csr" \
		2>/dev/null
	printf '%s\n' "$ext" >"$d/$name.ext"
	openssl x509 -req -in "$d/$name.csr" -CA "$d/$ca.pem" \
		-CAkey "$d/$ca.key" -CAcreateserial -days 1 \
		-extfile "$d/$name.ext" -out "$d/$name.pem" 2>/dev/null
	rm -f "$d/$name.csr" "$d/$name.ext"
}

# test_ca_root DIR NAME CN: a self-signed CA
test_ca_root() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 1 -subj "/CN=$3" -keyout "$1/$2.key" \
		-out "$1/$2.pem" 2>/dev/null
}

make_test_ca() {
	local d=$1
	mkdir -p "$d"
	test_ca_root "$d" ca falco-pipes-test-ca
	test_ca_root "$d" other-ca falco-pipes-other-ca
	test_ca_sign "$d" server 127.0.0.1 \
		'subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth' ca
	test_ca_sign "$d" client test-client 'extendedKeyUsage=clientAuth' ca
	test_ca_sign "$d" stranger test-stranger \
		'extendedKeyUsage=clientAuth' other-ca
	[ -s "$d/server.pem" ] && [ -s "$d/client.pem" ] &&
		[ -s "$d/stranger.pem" ]
}

# make_ca DIR: the same set of certificates, under the name the suites of
# the senders know it by (ca.pem, server.pem and server.key, client.pem
# and client.key)
make_ca() {
	make_test_ca "$1"
}

# make_client DIR: the client certificate, made by make_ca already
make_client() {
	[ -s "$1/client.pem" ] || make_test_ca "$1"
}
