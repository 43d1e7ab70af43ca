#!/usr/bin/env bash
# make-certs.sh — a private CA and TLS certificates for brokerd and its clients, with openssl.
#
#   config/cluster-3-secure/make-certs.sh [DIR] [NAME...]
#
# DIR (default ~/.local/share/sluice/cluster-3-secure/certs) receives, made once and reused by later runs:
#   ca.pem, ca-key.pem          the CA certificate (what brokers and clients trust) and its private key
# and for every NAME (default: broker-1 broker-2 broker-3 client), made anew on each run:
#   NAME.pem                    private key (PKCS#8) and certificate chain in one file: ssl.keystore.type PEM
#   NAME-key.pem, NAME-cert.pem the key and the certificate alone (kcat, confluent-kafka-python)
# Certificates name CN=NAME,O=Sluice and are valid for DAYS (default 365) days for the host names and addresses in
# HOSTS (default "localhost 127.0.0.1"): brokers check each other's certificate against the address they connect
# to (ssl.endpoint.identification.algorithm=https). Keys are EC P-256, readable by their owner only. Running it again
# for a NAME renews that certificate: brokerd reloads it without a restart.
# SASL users, made once (kept by later runs, so passwords do not change under a running cluster), mode 600:
#   users                       NAME:PASSWORD lines for sasl.bootstrap.users.file: admin and broker, random passwords
#   broker-credentials          the broker user's line alone, for sasl.inter.broker.credentials.file
#   admin-password              the admin's password alone, for sluice --password-file
# Also writes DIR/client.properties (Java clients, sluice -X: SASL_SSL as admin with SCRAM-SHA-512, trusting the CA)
# and DIR/kcat.conf (kcat -F, librdkafka: the same), both mode 600 as they hold the admin password.
set -euo pipefail
dir=${1:-$HOME/.local/share/sluice/cluster-3-secure/certs}
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(broker-1 broker-2 broker-3 client)
days=${DAYS:-365}
hosts=${HOSTS:-localhost 127.0.0.1}
command -v openssl >/dev/null || { echo "make-certs.sh: openssl is needed (apt-get install openssl)" >&2; exit 1; }
umask 077
mkdir -p "$dir"
cd "$dir"

if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca-key.pem -out ca.pem \
    -days 3650 -subj "/O=Sluice/CN=Sluice CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  echo "made the CA: $dir/ca.pem"
fi

san=""
for h in $hosts; do
  if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then san+="${san:+,}IP:$h"; else san+="${san:+,}DNS:$h"; fi
done
printf 'subjectAltName=%s\n' "$san" > san.cnf

for name in "${names[@]}"; do
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$name-key.new" \
    -out "$name.csr" -subj "/O=Sluice/CN=$name" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 16)" \
    -days "$days" -extfile san.cnf -out "$name-cert.new" 2>/dev/null
  cat "$name-key.new" "$name-cert.new" ca.pem > "$name.pem.new"
  # Renames, so a broker reloading its certificate never reads half a file.
  mv "$name-key.new" "$name-key.pem"
  mv "$name-cert.new" "$name-cert.pem"
  mv "$name.pem.new" "$name.pem"
  rm -f "$name.csr"
  echo "made $dir/$name.pem (CN=$name, $san, $days days)"
done
rm -f san.cnf

if [ ! -f users ]; then
  # Passwords without ':' or '"' (base64 alphabet minus '/' and '+'), from the system's CSPRNG.
  admin_pw=$(openssl rand -base64 24 | tr -d '/+=\n')
  broker_pw=$(openssl rand -base64 24 | tr -d '/+=\n')
  printf 'admin:%s\nbroker:%s\n' "$admin_pw" "$broker_pw" > users
  printf 'broker:%s\n' "$broker_pw" > broker-credentials
  echo "made the SASL users admin and broker: $dir/users (sasl.bootstrap.users.file), $dir/broker-credentials"
fi
admin_pw=$(sed -n 's/^admin://p' users)
printf '%s\n' "$admin_pw" > admin-password   # sluice --password-file: the password alone

cat > client.properties <<PROPS
# Java clients (Kafka's tools: --command-config): SASL_SSL as admin (SCRAM-SHA-512), trusting the CA of make-certs.sh.
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_pw";
ssl.truststore.type=PEM
ssl.truststore.location=$dir/ca.pem
PROPS
cat > kcat.conf <<PROPS
# kcat -F (librdkafka): SASL_SSL as admin (SCRAM-SHA-512), trusting the CA of make-certs.sh.
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.username=admin
sasl.password=$admin_pw
ssl.ca.location=$dir/ca.pem
PROPS
