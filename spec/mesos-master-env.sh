# Environment of mesos-master, read by /bin/sh when mesos-master.service starts.
#
# Every flag listed by `mesos-master --help` can be set here as MESOS_<flag>; the flag
# part is matched case-insensitively (MESOS_work_dir and MESOS_WORK_DIR are the same).
# Flags given on the command line win over these values. Both `export NAME=value` and
# `NAME=value` lines work.
#
# The service runs as the `mesos` user: directories given here must be writable by it.
# The unit lets the master write only /var/lib/mesos and /var/log/mesos (with systemd
# newer than EL7's): for other directories, `systemctl edit mesos-master` and add
# `ReadWritePaths=/that/directory` under `[Service]`.
#
# What the master exposes: MESOS_port on every interface, as Apache Mesos does. Whoever
# reaches it can use the scheduler API (run tasks on every agent), register agents, call
# the operator endpoints and read the web UI and /files. To restrict it, listen on one
# address (MESOS_ip below, or --ip), advertise the address agents and frameworks should use
# when it differs (MESOS_advertise_ip, e.g. behind NAT), and let a firewall admit the port
# only from the agents, frameworks and operators, e.g. with firewalld:
#   firewall-cmd --permanent --zone=internal --add-source=192.0.2.0/24
#   firewall-cmd --permanent --zone=internal --add-port=5050/tcp && firewall-cmd --reload

# Port of the HTTP APIs and the web UI.
export MESOS_port=5050

# Where the master keeps its registry (agents, frameworks, maintenance).
export MESOS_work_dir=/var/lib/mesos

# Log files; the web UI shows them. Without it the master logs to stderr (the journal).
export MESOS_log_dir=/var/log/mesos

# Address to listen on (default: all interfaces) and the name/address advertised to
# agents and frameworks.
#export MESOS_ip=192.0.2.10
#export MESOS_hostname=master.example.com
#export MESOS_advertise_ip=192.0.2.10

# Name shown in the web UI.
#export MESOS_cluster=example

# Several masters with leader election through ZooKeeper (README, "Three masters"): write
# the ZooKeeper servers in /etc/mesos/zk as one line, zk://zk1:2181,zk2:2181,zk3:2181/mesos,
# and uncomment both lines below on every master. MESOS_quorum is then required and must be
# more than half the number of masters. The masters elect a leader and keep the registry in
# ZooKeeper; a master that loses its leadership exits and systemd starts it again.
#export MESOS_zk=file:///etc/mesos/zk
#export MESOS_quorum=2

# Authentication (HTTP Basic; see "Securing a cluster" in the README). The credentials file
# holds {"credentials": [{"principal": "ops", "secret": "..."}, ...]}; make it owned by root,
# group mesos, mode 640. Agents then need MESOS_credential, schedulers a principal and secret
# (mesos execute --principal --secret), and the web UI and state endpoints ask for a login.
# /health, /version and /redirect stay open. Without TLS the secrets cross the network in
# clear: keep the cluster on a trusted network.
#export MESOS_credentials=file:///etc/mesos/credentials.json
#export MESOS_authenticate_agents=true
#export MESOS_authenticate_http_frameworks=true
#export MESOS_http_framework_authenticators=basic
#export MESOS_authenticate_http_readonly=true
#export MESOS_authenticate_http_readwrite=true

# Authorization: Mesos's ACLs, enforced by the local authorizer (README, "Securing a cluster").
# Who may register frameworks with which roles, run tasks as which Unix user, tear frameworks
# down. A bad file stops the master with one line naming the rule at fault.
#export MESOS_acls=file:///etc/mesos/acls.json

# TLS, as libprocess reads it (README, "Securing a cluster"; the SSL_ prefix works too). With
# ENABLED every port of this daemon speaks HTTPS and its own requests use https; the files
# must be readable by the daemon's user, mesos: the key owned by root, group mesos, mode 640.
# The certificate names this host's name and address (subjectAltName DNS: and IP:): peers
# reach it by address and check that against the certificate.
#export LIBPROCESS_SSL_ENABLED=true
# This node's certificate and private key (PEM), presented to clients and to the peers it calls.
#export LIBPROCESS_SSL_CERT_FILE=/etc/mesos/tls/node.pem
#export LIBPROCESS_SSL_KEY_FILE=/etc/mesos/tls/node-key.pem
# The CA that signed the cluster's certificates (a file, or a directory of PEM certificates);
# without either the system's trusted roots.
#export LIBPROCESS_SSL_CA_FILE=/etc/mesos/tls/ca.pem
#export LIBPROCESS_SSL_CA_DIR=/etc/mesos/tls/cas
# Verify the certificate of every server this daemon calls: chain to the CA, and its name
# (legacy: the name or address called, IP subjectAltNames included; openssl: names only,
# addresses only with LIBPROCESS_SSL_VERIFY_IPADD=true). Legacy alias: LIBPROCESS_SSL_VERIFY_CERT.
#export LIBPROCESS_SSL_VERIFY_SERVER_CERT=true
#export LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME=openssl
#export LIBPROCESS_SSL_VERIFY_IPADD=true
# Refuse connections without a client certificate the CA signed (browsers and schedulers need
# one too); implies VERIFY_SERVER_CERT. Legacy alias: LIBPROCESS_SSL_REQUIRE_CERT.
#export LIBPROCESS_SSL_REQUIRE_CLIENT_CERT=true
# Also serve plain HTTP on the same port (the first byte tells them apart), for switching a
# running cluster over one daemon at a time; turn it off again once all speak TLS.
#export LIBPROCESS_SSL_SUPPORT_DOWNGRADE=true
