# Environment of the Mesos agent (mesos-slave is the old name of mesos-agent), read by
# /bin/sh when mesos-slave.service (alias mesos-agent.service) starts.
#
# Every flag listed by `mesos-agent --help` can be set here as MESOS_<flag>; the flag
# part is matched case-insensitively (MESOS_work_dir and MESOS_WORK_DIR are the same).
# Flags given on the command line win over these values. Both `export NAME=value` and
# `NAME=value` lines work.
#
# What the agent exposes: MESOS_port (5051) on every interface, as Apache Mesos does: its
# state, the sandboxes of its tasks through /files, and the executor API. The master and
# the executors must reach it. To restrict it, listen on one address (MESOS_ip below, or
# --ip), advertise another when the master must use it (MESOS_advertise_ip), and let a
# firewall admit the port only from the masters and operators (executors on this host
# come over the loopback interface, which firewalls let through).

# The master to register with: host:port, zk://host1:2181,host2:2181/mesos for masters
# elected through ZooKeeper, or file:///path of a file holding one of those.
# The default is the master of a single-node cluster on this host; on the other nodes
# of a cluster set the master's name, e.g. master.example.com:5050. With several masters
# (README, "Three masters"), use the ZooKeeper servers written in /etc/mesos/zk instead:
#   export MESOS_master=file:///etc/mesos/zk
export MESOS_master=127.0.0.1:5050

# Sandboxes of tasks and the agent's checkpoints (what lets a restarted agent recover
# its running tasks).
export MESOS_work_dir=/var/lib/mesos

# Log files; the web UI shows them. Without it the agent logs to stderr (the journal).
export MESOS_log_dir=/var/log/mesos

# Port of the agent's HTTP API.
#export MESOS_port=5051

# Containerizers, tried in this order. With `docker` in the list the agent asks the
# Docker daemon for its version when it starts, and refuses to start, saying why, when
# Docker is not reachable at MESOS_docker_socket or is older than the agent supports.
#export MESOS_containerizers=docker,mesos
#export MESOS_docker_socket=/var/run/docker.sock
# Oldest Docker the agent accepts (the guide asks for Docker 1.X); ours, not an Apache Mesos flag.
#export MESOS_docker_min_version=1.0.0
# Allow for slow image pulls when launching Docker tasks.
#export MESOS_executor_registration_timeout=5mins

# What this agent offers (default: detected from the machine) and its attributes.
#export MESOS_resources='cpus:4;mem:2048;disk:10000;ports:[31000-32000]'
#export MESOS_attributes='rack:r1;zone:z1'

# Resource isolation of tasks.
#export MESOS_isolation=posix/cpu,posix/mem

# Address to listen on and the name advertised to the master.
#export MESOS_ip=192.0.2.11
#export MESOS_hostname=agent1.example.com

# This agent's credential, for a master with MESOS_authenticate_agents=true:
# {"principal": "agent", "secret": "..."} (one of the master's credentials), mode 600.
#export MESOS_credential=file:///etc/mesos/agent-credential.json

# This agent's own endpoints (README, "Securing a cluster"): /state, /files (the sandboxes and
# this agent's log), /flags, /metrics/snapshot, /monitor/statistics and /containers then need an
# HTTP Basic login of MESOS_http_credentials; /health stays open. The file has the master's
# format, {"credentials": [{"principal": "ops", "secret": "..."}]}, mode 600, and must hold the
# operators who read sandboxes (the web UI asks for their login).
#export MESOS_http_credentials=file:///etc/mesos/agent-http-credentials.json
#export MESOS_authenticate_http_readonly=true
#export MESOS_authenticate_http_readwrite=true
# Mesos's ACLs of these endpoints, enforced by the local authorizer: access_sandboxes (object:
# the Unix user the executor runs as), view_frameworks, view_executors, view_tasks,
# view_containers, view_flags, access_mesos_logs, get_endpoints. A bad file stops the agent with one line naming the rule.
#export MESOS_acls=file:///etc/mesos/agent-acls.json

# Executor authentication: every call on this agent's executor API must carry the token the
# agent gave that executor (MESOS_EXECUTOR_AUTHENTICATION_TOKEN), signed with this key (a
# random secret only root reads: openssl rand -base64 32 > /etc/mesos/executor-secret-key).
#export MESOS_authenticate_http_executors=true
#export MESOS_jwt_secret_key=/etc/mesos/executor-secret-key

# TLS, as libprocess reads it (README, "Securing a cluster"; the SSL_ prefix works too). With
# ENABLED every port of this daemon speaks HTTPS and its own requests use https; the files
# must be readable by the daemon's user, root: the key mode 600.
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
