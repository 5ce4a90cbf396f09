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
