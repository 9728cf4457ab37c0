#!/usr/bin/env bash
# Real FTP / FTPS / SFTP daemons on loopback for ftpops' integration tests and benchmarks.
#
#   scripts/testbed.sh install   packages, test user, password, certificates, keys, pure-ftpd, proftpd (idempotent, fast when done)
#   scripts/testbed.sh start     (re)start every daemon, wait for its port, write .testbed/testbed.json
#   scripts/testbed.sh stop      stop every daemon started by `start` (by PID, then wait for the ports to close), unmount the full disk
#   scripts/testbed.sh status    which daemons run, on which port
#
# Everything binds 127.0.0.1: control ports 22101-22199, passive ranges inside 30000-30999.
# All state lives under .testbed/ (override with FTPOPS_TESTBED_DIR). Needs root.
# Outside .testbed/ it touches only: Debian packages, the user `ftptest` (home in .testbed/),
# /etc/pam.d/ftpops-testbed and /run/sshd. `start` mounts a 64 KiB tmpfs, filled up, on
# .testbed/home/ftptest/full (a full disk); `stop` unmounts it.
set -euo pipefail
umask 022

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TB=${FTPOPS_TESTBED_DIR:-$ROOT/.testbed}
TEST_USER=ftptest
PAM_SERVICE=ftpops-testbed
# libhiredis0.14 … libsodium23: the shared libraries of the unpacked proftpd (proftpd-core,
# proftpd-mod-crypto) that a fresh Debian 12 lacks; installed normally, they conflict with nothing.
PACKAGES=(vsftpd openssh-server openssl libhiredis0.14 libmemcached11 libmemcachedutil2 libpcre2-posix3 libsodium23)
START_WAIT_S=10
STOP_WAIT_S=5

# name kind control-port passive-range(lo:hi or -) -- the names are a contract with the tests.
SERVERS=(
  "vsftpd-main       vsftpd    22101 30000:30049"
  "vsftpd-full       vsftpd    22102 30050:30099"
  "vsftpd-forcessl   vsftpd    22103 30100:30149"
  "vsftpd-readonly   vsftpd    22104 30150:30199"
  "vsftpd-implicit   vsftpd    22105 30200:30249"
  "vsftpd-expired    vsftpd    22106 30250:30299"
  "vsftpd-wrongname  vsftpd    22107 30300:30349"
  "vsftpd-nossl      vsftpd    22108 30350:30399"
  "vsftpd-reuse      vsftpd    22109 30400:30449"
  "vsftpd-oops       vsftpd    22110 30450:30499"
  "vsftpd-natpasv    vsftpd    22111 30500:30549"
  "vsftpd-clientcert vsftpd    22112 30550:30599"
  "vsftpd-nopasv     vsftpd    22113 30850:30899"
  "vsftpd-chroot     vsftpd    22114 30900:30949"
  "pure-ftpd         pure-ftpd 22121 30600:30649"
  "pure-ftpd-full    pure-ftpd 22122 30650:30699"
  "sshd-main         sshd      22131 -"
  "sshd-nosftp       sshd      22132 -"
  "sshd-badkex       sshd      22133 -"
  "sshd-weak         sshd      22134 -"
  "sshd-maxstartups  sshd      22135 -"
  "proftpd-main      proftpd   22141 30700:30749"
  "proftpd-full      proftpd   22142 30750:30799"
  "proftpd-perhost   proftpd   22143 30800:30849"
  "proftpd-sftp      proftpd   22144 -"
)

log() { printf 'testbed: %s\n' "$*" >&2; }
die() { printf 'testbed: ERROR: %s\n' "$*" >&2; exit 1; }
need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root (packages, the $TEST_USER user, daemons that switch user)"; }

json_str() { # JSON string literal
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# ---------------------------------------------------------------- processes and ports

port_listening() { # port → 0 when something LISTENs on 127.0.0.1:port or *:port (reads /proc, no connection)
  local hex
  hex=$(printf '%04X' "$1")
  grep -qE "^ *[0-9]+: (0100007F|00000000):$hex [0-9A-F]{8}:[0-9A-F]{4} 0A " /proc/net/tcp 2>/dev/null
}

pid_alive() { # not gone and not a zombie
  local pid=$1 stat
  { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

pid_is_ours() { # its command line names a path under $TB, or its executable lives there (pure-ftpd retitles itself)
  local pid=$1 cmd exe
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  [[ $cmd == *"$TB/"* || $exe == "$TB/"* ]]
}

declare -A CHILDREN=()
scan_children() { # fills CHILDREN[ppid]=" pid pid ..." from /proc (bash builtins only: no procps, no fork per process)
  CHILDREN=()
  local f stat pid ppid rest
  for f in /proc/[0-9]*/stat; do
    { read -r stat <"$f"; } 2>/dev/null || continue
    pid=${f#/proc/}; pid=${pid%/stat}
    stat=${stat##*) }
    read -r _ ppid rest <<<"$stat"
    CHILDREN[$ppid]+=" $pid"
  done
}

descendants() { # pid → every descendant pid (after scan_children)
  local queue=("$1") out=() p c
  while ((${#queue[@]})); do
    p=${queue[0]}; queue=("${queue[@]:1}")
    for c in ${CHILDREN[$p]:-}; do out+=("$c"); queue+=("$c"); done
  done
  echo "${out[@]:-}"
}

log_tail() { # file → the last lines written since the latest "==== NAME start" marker, indented
  local f=$1
  if [[ -s $f ]]; then
    awk '/^==== .* start /{n=0; delete a} {a[++n]=$0} END{s=n>25?n-24:1; for(i=s;i<=n;i++) print "    | " a[i]}' "$f"
  else
    echo "    | (log $f is empty)"
  fi
}

# ---------------------------------------------------------------- install

pkg_installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }

install_packages() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  ((${#missing[@]} == 0)) && return 0
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

pure_ftpd_libpath() { # the unpacked multiarch library dirs (libsodium23 when it had to be unpacked too)
  local d out=
  for d in "$TB"/pure-ftpd/usr/lib/*-linux-gnu "$TB"/pure-ftpd/lib/*-linux-gnu; do
    [[ -d $d ]] && out+=${out:+:}$d
  done
  echo "$out"
}

apt_download() { # package → .deb in $TB/cache (cached)
  local pkg=$1 deb
  deb=$(ls "$TB/cache/${pkg}"_*.deb 2>/dev/null | head -n1 || true)
  if [[ -z $deb ]]; then
    (cd "$TB/cache" && { apt-get download -qq "$pkg" 2>/dev/null || { apt-get update -qq && apt-get download -qq "$pkg" 2>/dev/null; }; }) \
      || die "apt-get download $pkg failed"
    deb=$(ls "$TB/cache/${pkg}"_*.deb | head -n1)
  fi
  echo "$deb"
}

install_pure_ftpd() {
  # vsftpd and pure-ftpd conflict as packages (Provides/Conflicts ftp-server): unpack, don't install.
  local dir=$TB/pure-ftpd
  if [[ ! -x $dir/usr/sbin/pure-ftpd ]]; then
    rm -rf "$dir"; mkdir -p "$dir"
    dpkg-deb -x "$(apt_download pure-ftpd)" "$dir"
  fi
  local missing
  missing=$(LD_LIBRARY_PATH=$(pure_ftpd_libpath) ldd "$dir/usr/sbin/pure-ftpd" | awk '/not found/ {print $1}')
  if [[ -n $missing ]]; then
    # libsodium23 is the one library a fresh Debian 12 usually lacks; unpack it beside pure-ftpd.
    log "pure-ftpd misses $(echo $missing); unpacking libsodium23"
    dpkg-deb -x "$(apt_download libsodium23)" "$dir"
    missing=$(LD_LIBRARY_PATH=$(pure_ftpd_libpath) ldd "$dir/usr/sbin/pure-ftpd" | awk '/not found/ {print $1}')
    [[ -z $missing ]] || die "pure-ftpd still misses libraries: $missing"
  fi
}

proftpd_missing_libs() { # the binary and the two modules loaded: libraries ldd cannot find
  local dir=$TB/proftpd
  ldd "$dir/usr/sbin/proftpd" "$dir/usr/lib/proftpd/mod_tls.so" "$dir/usr/lib/proftpd/mod_sftp.so" 2>/dev/null \
    | awk '/not found/ {print $1}' | sort -u
}

install_proftpd() {
  # Like pure-ftpd: proftpd-core Provides/Conflicts ftp-server with vsftpd, so unpack, don't install.
  # mod_tls and mod_sftp live in proftpd-mod-crypto; their libraries come with PACKAGES.
  local dir=$TB/proftpd
  if [[ ! -x $dir/usr/sbin/proftpd || ! -f $dir/usr/lib/proftpd/mod_sftp.so ]]; then
    rm -rf "$dir"; mkdir -p "$dir"
    dpkg-deb -x "$(apt_download proftpd-core)" "$dir"
    dpkg-deb -x "$(apt_download proftpd-mod-crypto)" "$dir"
  fi
  local missing
  missing=$(proftpd_missing_libs)
  [[ -z $missing ]] || die "unpacked proftpd misses libraries: $(echo $missing) (add their packages to PACKAGES)"
}

install_user() {
  local home=$TB/home/$TEST_USER cur
  if ! getent passwd "$TEST_USER" >/dev/null; then
    useradd -M -d "$home" -s /bin/bash "$TEST_USER"
  fi
  cur=$(getent passwd "$TEST_USER" | cut -d: -f6)
  [[ $cur == "$home" ]] || usermod -d "$home" "$TEST_USER"
  [[ $(getent passwd "$TEST_USER" | cut -d: -f7) == /bin/bash ]] || usermod -s /bin/bash "$TEST_USER"
  mkdir -p "$home"
  chown "$TEST_USER:" "$home"; chmod 0755 "$home"
  # readonly: the user's own folder without write permission (ProFTPD refuses STOR: 550 … Permission denied).
  # locked: there, but not the user's to enter (vsftpd: 550 Failed to change directory.).
  mkdir -p "$home/readonly" "$home/locked" "$home/full"
  chown "$TEST_USER:" "$home/readonly"; chmod 0555 "$home/readonly"
  chown root:root "$home/locked"; chmod 0700 "$home/locked"
  if [[ ! -s $TB/password ]]; then
    (umask 077; openssl rand -hex 12 >"$TB/password")
  fi
  chmod 0600 "$TB/password"
  local pw hash
  pw=$(<"$TB/password")
  hash=$(getent shadow "$TEST_USER" | cut -d: -f2)
  # Re-hash only when the stored hash does not match (another run may be logged in right now).
  if ! PW=$pw H=$hash perl -e 'exit(crypt($ENV{PW}, $ENV{H}) eq $ENV{H} ? 0 : 1)' 2>/dev/null; then
    echo "$TEST_USER:$pw" | chpasswd -c SHA512 -s 1000   # cheap hash: yescrypt costs ~22 ms per login
  fi
  usermod -U "$TEST_USER" 2>/dev/null || true   # in case it was ever locked
  chage -E -1 -M -1 "$TEST_USER"
}

install_pam() {
  local want
  want=$'# ftpops testbed (scripts/testbed.sh): no 2 s delay after a failed login\nauth     required pam_unix.so nodelay\naccount  required pam_unix.so\nsession  required pam_permit.so\n'
  [[ -f /etc/pam.d/$PAM_SERVICE && $(<"/etc/pam.d/$PAM_SERVICE")$'\n' == "$want" ]] || printf '%s' "$want" >"/etc/pam.d/$PAM_SERVICE"
}

install_certs() {
  local c=$TB/certs
  [[ -s $c/done ]] && return 0
  rm -rf "$c"; mkdir -p "$c/ca-db"
  (
    cd "$c"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/O=ftpops testbed/CN=ftpops testbed CA' \
      -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
      -keyout ca.key -out ca.crt 2>/dev/null
    : >ca-db/index.txt
    echo 1000 >ca-db/serial
    cat >ca.cnf <<EOF
[ ca ]
default_ca = testbed_ca
[ testbed_ca ]
dir = $c
database = \$dir/ca-db/index.txt
serial = \$dir/ca-db/serial
new_certs_dir = \$dir/ca-db
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
default_days = 3650
policy = policy_any
unique_subject = no
copy_extensions = copy
email_in_dn = no
[ policy_any ]
commonName = supplied
organizationName = optional
[ server_ext ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
EOF
    # name  subject-CN  SANs  start  end
    issue() {
      local name=$1 cn=$2 san=$3; shift 3
      openssl req -new -newkey rsa:2048 -nodes -subj "/O=ftpops testbed/CN=$cn" -addext "subjectAltName=$san" \
        -keyout "$name.key" -out "$name.csr" 2>/dev/null
      openssl ca -batch -config ca.cnf -extensions server_ext -notext -in "$name.csr" -out "$name.crt" "$@" 2>/dev/null \
        || die "openssl ca failed for $name"
      cat "$name.key" "$name.crt" >"$name.pem"   # key + cert in one file, for pure-ftpd
      chmod 0600 "$name.key" "$name.pem"
      rm -f "$name.csr"
    }
    issue server 127.0.0.1 'IP:127.0.0.1,DNS:localhost' -days 3650
    issue expired 127.0.0.1 'IP:127.0.0.1,DNS:localhost' -startdate 20200101000000Z -enddate 20210101000000Z
    issue wrongname other.example 'DNS:other.example' -days 3650
    chmod 0600 ca.key
    echo ok >done
  )
}

install_ssh_keys() {
  local k=$TB/keys
  mkdir -p "$k" "$TB/authorized_keys"
  [[ -s $k/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C 'ftpops testbed host' -f "$k/ssh_host_ed25519_key"
  [[ -s $k/ssh_host_rsa_key ]] || ssh-keygen -q -t rsa -b 2048 -N '' -C 'ftpops testbed host' -f "$k/ssh_host_rsa_key"
  [[ -s $k/client_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C "$TEST_USER@ftpops-testbed" -f "$k/client_ed25519"
  chmod 0600 "$k/ssh_host_ed25519_key" "$k/ssh_host_rsa_key" "$k/client_ed25519"
  cp "$k/client_ed25519.pub" "$TB/authorized_keys/$TEST_USER"
  chmod 0644 "$TB/authorized_keys/$TEST_USER"
}

cmd_install() {
  need_root
  local t0=$SECONDS
  install_packages "${PACKAGES[@]}"
  mkdir -p "$TB"/{cache,logs,run,etc,home}
  chmod 0755 "$TB"
  install_user
  install_pam
  install_certs
  install_ssh_keys
  install_pure_ftpd
  install_proftpd
  mkdir -p /run/sshd && chmod 0755 /run/sshd
  echo "installed $(date -u +%FT%TZ)" >"$TB/installed"
  log "install done in $((SECONDS - t0)) s ($TB)"
}

# ---------------------------------------------------------------- configs

write_vsftpd_config() { # name port lo hi → config path
  local name=$1 port=$2 lo=$3 hi=$4 cfg=$TB/etc/$1.conf
  local ssl=YES cert=server implicit=NO reuse=NO maxc=0 write=YES forcessl=NO pasv=127.0.0.1 chrootdir=$TB/run/empty
  local pasvon=YES chroot=NO reqcert=NO
  case $name in
    vsftpd-full) maxc=1 ;;
    vsftpd-forcessl) forcessl=YES ;;
    vsftpd-readonly) write=NO ;;
    vsftpd-implicit) implicit=YES ;;
    vsftpd-expired) cert=expired ;;
    vsftpd-wrongname) cert=wrongname ;;
    vsftpd-nossl) ssl=NO ;;
    vsftpd-reuse) reuse=YES ;;
    vsftpd-oops) chrootdir=$TB/run/missing-secure-chroot-dir ;;   # starts, then greets "500 OOPS: vsftpd: cannot locate ..."
    vsftpd-natpasv) pasv=10.255.255.1 ;;                          # advertised only; never connect there
    vsftpd-clientcert) reqcert=YES ;;                             # TLS 1.3: alert certificate_required after the handshake
    vsftpd-nopasv) pasvon=NO ;;                                   # PASV and EPSV: "550 Permission denied."
    vsftpd-chroot) chroot=YES ;;                                  # writable home: "500 OOPS: … writable root inside chroot()" at login
  esac
  cat >"$cfg" <<EOF
# $name -- generated by scripts/testbed.sh; must stay root-owned
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$port
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=$write
local_umask=022
pam_service_name=$PAM_SERVICE
userlist_enable=NO
tcp_wrappers=NO
chroot_local_user=$chroot
delay_failed_login=0
delay_successful_login=0
max_clients=$maxc
max_per_ip=0
pasv_enable=$pasvon
pasv_min_port=$lo
pasv_max_port=$hi
pasv_address=$pasv
pasv_addr_resolve=NO
secure_chroot_dir=$chrootdir
seccomp_sandbox=NO
use_localtime=NO
xferlog_enable=YES
xferlog_std_format=YES
xferlog_file=$TB/logs/$name.xferlog
dual_log_enable=YES
vsftpd_log_file=$TB/logs/$name.log
log_ftp_protocol=YES
ssl_enable=$ssl
implicit_ssl=$implicit
allow_anon_ssl=NO
force_local_logins_ssl=$forcessl
force_local_data_ssl=NO
require_ssl_reuse=$reuse
rsa_cert_file=$TB/certs/$cert.crt
rsa_private_key_file=$TB/certs/$cert.key
require_cert=$reqcert
validate_cert=$reqcert
EOF
  # Only where client certificates are checked: with ca_certs_file vsftpd also sends the CA in its
  # chain, which changes what a client without the CA reports (SELF_SIGNED_CERT_IN_CHAIN).
  if [[ $reqcert == YES ]]; then echo "ca_certs_file=$TB/certs/ca.crt" >>"$cfg"; fi
  chown root:root "$cfg"; chmod 0644 "$cfg"
  echo "$cfg"
}

write_sshd_config() { # name port → config path
  local name=$1 port=$2 cfg=$TB/etc/$1.sshd_config
  {
    echo "# $name -- generated by scripts/testbed.sh"
    echo "ListenAddress 127.0.0.1"
    echo "Port $port"
    if [[ $name == sshd-weak ]]; then
      echo "HostKey $TB/keys/ssh_host_rsa_key"
      echo "HostKeyAlgorithms ssh-rsa"
      echo "KexAlgorithms diffie-hellman-group14-sha1"
      echo "Ciphers aes128-cbc"
      echo "MACs hmac-sha1"
    else
      echo "HostKey $TB/keys/ssh_host_ed25519_key"
    fi
    [[ $name == sshd-badkex ]] && echo "KexAlgorithms sntrup761x25519-sha512@openssh.com"
    echo "PidFile none"
    echo "AuthorizedKeysFile $TB/authorized_keys/%u"
    echo "PubkeyAuthentication yes"
    echo "PasswordAuthentication yes"
    echo "KbdInteractiveAuthentication no"
    echo "PermitRootLogin no"
    echo "UsePAM no"
    echo "StrictModes no"
    echo "UseDNS no"
    echo "PrintMotd no"
    echo "LogLevel VERBOSE"
    if [[ $name == sshd-maxstartups ]]; then
      # One unauthenticated connection at a time: the next gets "Exceeded MaxStartups" (sshd_config(5)).
      echo "MaxStartups 1:100:1"
    else
      echo "MaxStartups 100:30:200"
    fi
    echo "LoginGraceTime 30"
    [[ $name == sshd-nosftp ]] || echo "Subsystem sftp internal-sftp"
  } >"$cfg"
  chmod 0644 "$cfg"
  /usr/sbin/sshd -t -f "$cfg" 2>"$TB/run/$name.sshd-t" || die "sshd -t rejects $cfg: $(cat "$TB/run/$name.sshd-t")"
  echo "$cfg"
}

write_proftpd_config() { # name port lo hi → config path (proftpd.conf(5); checked with proftpd -t)
  local name=$1 port=$2 lo=$3 hi=$4 cfg=$TB/etc/$1.conf dir=$TB/proftpd
  {
    echo "# $name -- generated by scripts/testbed.sh"
    echo "ServerName \"ftpops testbed $name\""
    echo "ServerType standalone"
    echo "Port $port"
    echo "DefaultAddress 127.0.0.1"
    echo "SocketBindTight on"
    echo "UseIPv6 off"
    echo "User $TEST_USER"
    echo "Group $TEST_USER"
    echo "Umask 022"
    echo "ModulePath $dir/usr/lib/proftpd"
    echo "AuthOrder mod_auth_unix.c"
    echo "AuthPAM off"
    echo "UseReverseDNS off"
    echo "WtmpLog off"
    echo "RequireValidShell off"
    # mod_delay would slow every failed login down on purpose.
    echo "DelayEngine off"
    echo "ScoreboardFile $TB/run/$name.scoreboard"
    echo "PidFile $TB/run/$name.proftpd-pid"
    echo "SystemLog $TB/logs/$name.log"
    echo "TransferLog $TB/logs/$name.xferlog"
    if [[ $name == proftpd-sftp ]]; then
      echo "LoadModule mod_sftp.c"
      echo "SFTPEngine on"
      echo "SFTPLog $TB/logs/$name.log"
      echo "SFTPHostKey $TB/keys/ssh_host_ed25519_key"
      echo "SFTPAuthMethods password publickey"
      echo "SFTPAuthorizedUserKeys file:$TB/authorized_keys/%u"
    else
      echo "PassivePorts $lo $hi"
      echo "LoadModule mod_tls.c"
      echo "TLSEngine on"
      echo "TLSLog $TB/logs/$name.log"
      echo "TLSRSACertificateFile $TB/certs/server.crt"
      echo "TLSRSACertificateKeyFile $TB/certs/server.key"
      echo "TLSProtocol TLSv1.2 TLSv1.3"
      echo "TLSRequired off"
    fi
    # MaxClients counts logged-in sessions: the next login gets "530 Sorry, the maximum number of
    # allowed clients (1) are already connected." at PASS. MaxConnectionsPerHost counts connections:
    # the next one is greeted with "530 Sorry, the maximum number of connections (1) for your host …".
    [[ $name == proftpd-full ]] && echo "MaxClients 1"
    [[ $name == proftpd-perhost ]] && echo "MaxConnectionsPerHost 1"
  } >"$cfg"
  chmod 0644 "$cfg"
  "$dir/usr/sbin/proftpd" -t -c "$cfg" >"$TB/run/$name.proftpd-t" 2>&1 || die "proftpd -t rejects $cfg: $(cat "$TB/run/$name.proftpd-t")"
  echo "$cfg"
}

FULL_DISK_KIB=64
mount_full_disk() { # a tiny tmpfs owned by the test user, filled to the last block: uploads into it hit ENOSPC
  local m=$TB/home/$TEST_USER/full
  mkdir -p "$m"
  if ! mountpoint -q "$m"; then
    mount -t tmpfs -o "size=${FULL_DISK_KIB}k,mode=0755,uid=$(id -u "$TEST_USER"),gid=$(id -g "$TEST_USER")" ftpops-testbed-full "$m" \
      || die "cannot mount a tmpfs on $m (the full-disk tests need it; run as root outside a restricted container)"
  fi
  rm -f "$m"/.ftpops-canary-*
  if [[ ! -f $m/filler ]]; then
    head -c $((FULL_DISK_KIB * 2048)) /dev/zero >"$m/filler" 2>/dev/null || true   # ENOSPC is the point
    chown "$TEST_USER:" "$m/filler"
  fi
}

unmount_full_disk() {
  local m=$TB/home/$TEST_USER/full
  if mountpoint -q "$m" 2>/dev/null; then
    umount "$m" 2>/dev/null || umount -l "$m" || log "could not unmount $m"
  fi
}

write_syslog_receiver() {
  # pure-ftpd only logs to syslog; a small receiver per instance writes syslog-file-style lines.
  cat >"$TB/etc/syslog-receiver.pl" <<'EOF'
#!/usr/bin/perl
# usage: syslog-receiver.pl SOCKET LOGFILE -- receives syslog datagrams, appends "Mmm dd hh:mm:ss localhost msg" lines.
use strict; use warnings; use IO::Socket::UNIX; use IO::Handle; use Socket qw(SOCK_DGRAM);
my ($path, $file) = @ARGV;
unlink $path;
my $sock = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path) or die "bind $path: $!";
chmod 0666, $path;
open(my $out, '>>', $file) or die "open $file: $!";
$out->autoflush(1);
$SIG{TERM} = sub { unlink $path; exit 0 };
while (1) {
  my $msg;
  defined($sock->recv($msg, 65536)) or next;
  $msg =~ s/^<\d+>//; $msg =~ s/[\r\n\0]+$//;
  $msg =~ s/^(\w{3} [ \d]\d \d\d:\d\d:\d\d) /$1 localhost / or $msg = "- localhost $msg";
  print $out "$msg\n";
}
EOF
  chmod 0755 "$TB/etc/syslog-receiver.pl"
}

# ---------------------------------------------------------------- start / stop

launch() { # name pidfile logfile command... → starts in its own session, records the PID
  local name=$1 pidfile=$2 logf=$3; shift 3
  setsid "$@" </dev/null >>"$logf" 2>&1 &
  echo $! >"$pidfile"
}

start_one() { # server line → launches it (does not wait)
  local name kind port range lo hi logf=
  read -r name kind port range <<<"$1"
  lo=${range%%:*}; hi=${range##*:}
  logf=$TB/logs/$name.log
  if port_listening "$port"; then die "port $port (for $name) is already taken by a process testbed.sh did not start"; fi
  case $kind in
    vsftpd)
      local cfg
      cfg=$(write_vsftpd_config "$name" "$port" "$lo" "$hi")
      # vsftpd prints start-up errors on fd 0, hence 0>&1 (after stdout went to the log).
      setsid /usr/sbin/vsftpd "$cfg" >>"$logf" 2>&1 0>&1 &
      echo $! >"$TB/run/$name.pid"
      ;;
    sshd)
      local cfg
      cfg=$(write_sshd_config "$name" "$port")
      launch "$name" "$TB/run/$name.pid" "$logf" /usr/sbin/sshd -D -f "$cfg" -E "$logf"
      ;;
    proftpd)
      local cfg
      cfg=$(write_proftpd_config "$name" "$port" "$lo" "$hi")
      # -n: foreground (the PID recorded is the daemon's); -q: no start-up chatter.
      launch "$name" "$TB/run/$name.pid" "$logf" "$TB/proftpd/usr/sbin/proftpd" -n -q -c "$cfg"
      ;;
    pure-ftpd)
      local dir=$TB/pure-ftpd sock=$TB/run/$name.syslog extra=()
      [[ $name == pure-ftpd-full ]] && extra=(-c 1 -C 1)
      rm -f "$sock"
      launch "$name-syslog" "$TB/run/$name-syslog.pid" "$logf" perl "$TB/etc/syslog-receiver.pl" "$sock" "$logf"
      local i
      for ((i = 0; i < 50; i++)); do [[ -S $sock ]] && break; sleep 0.05; done
      [[ -S $sock ]] || { log_tail "$logf" >&2; die "syslog receiver for $name did not create $sock"; }
      local cmd=("$dir/usr/sbin/pure-ftpd" -S "127.0.0.1,$port" -l unix -E -H -4 -p "$lo:$hi" -P 127.0.0.1
        -Y 1 -2 "$TB/certs/server.pem" "${extra[@]}")
      local ldpath
      ldpath=$(pure_ftpd_libpath)
      if unshare -m --propagation private true 2>/dev/null; then
        # Private mount namespace whose /dev/log is this instance's receiver (there is no syslogd here).
        # If the mounts are refused (restricted container), pure-ftpd still starts, without its log lines.
        mkdir -p "$TB/run/$name.realdev"
        launch "$name" "$TB/run/$name.pid" "$logf" unshare -m --propagation private /bin/sh -c '
          ld=$0 real=$1 sock=$2; shift 2
          private_devlog() {
            mount --rbind /dev "$real" || return 1
            mount -t tmpfs -o mode=0755,size=64k testbed-dev /dev || return 1
            for n in null zero full random urandom tty; do
              [ -e "$real/$n" ] || continue
              : >"/dev/$n" && mount --bind "$real/$n" "/dev/$n" || { umount -l /dev; return 1; }
            done
            ln -s "$real/pts" /dev/pts; ln -s "$real/shm" /dev/shm; ln -s /proc/self/fd /dev/fd
            ln -s "$sock" /dev/log
          }
          private_devlog 2>/dev/null || echo "testbed: could not give pure-ftpd a private /dev/log; its syslog lines are lost" >&2
          LD_LIBRARY_PATH=$ld exec "$@"' "$ldpath" "$TB/run/$name.realdev" "$sock" "${cmd[@]}"
      else
        echo "testbed: no mount namespaces here; pure-ftpd's syslog lines are lost" >>"$logf"
        launch "$name" "$TB/run/$name.pid" "$logf" env LD_LIBRARY_PATH="$ldpath" "${cmd[@]}"
      fi
      ;;
  esac
}

wait_listening() { # name port → waits until the port listens, or fails with the log tail
  local name=$1 port=$2 pid deadline=$((SECONDS + START_WAIT_S))
  pid=$(<"$TB/run/$name.pid")
  while :; do
    port_listening "$port" && return 0
    if ! pid_alive "$pid"; then
      printf 'testbed: %s (pid %s) exited before listening on 127.0.0.1:%s; log %s:\n' "$name" "$pid" "$port" "$TB/logs/$name.log" >&2
      log_tail "$TB/logs/$name.log" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      printf 'testbed: %s (pid %s) not listening on 127.0.0.1:%s after %s s; log:\n' "$name" "$pid" "$port" "$START_WAIT_S" >&2
      log_tail "$TB/logs/$name.log" >&2
      return 1
    fi
    sleep 0.02
  done
}

host_key_line() { # name → "fingerprint algorithm"
  local key=$TB/keys/ssh_host_ed25519_key.pub alg=ssh-ed25519
  [[ $1 == sshd-weak ]] && { key=$TB/keys/ssh_host_rsa_key.pub; alg=ssh-rsa; }
  echo "$(ssh-keygen -E sha256 -lf "$key" | awk '{print $2}') $alg"
}

write_json() {
  local out=$TB/testbed.json.tmp first=1 line name kind port range pid
  {
    echo "{"
    echo "  \"dir\": $(json_str "$TB"),"
    echo "  \"startedAt\": $(json_str "$(date -u +%FT%TZ)"),"
    echo "  \"user\": $(json_str "$TEST_USER"),"
    echo "  \"password\": $(json_str "$(<"$TB/password")"),"
    echo "  \"passwordFile\": $(json_str "$TB/password"),"
    echo "  \"homeDir\": $(json_str "$TB/home/$TEST_USER"),"
    echo "  \"privateKeyFile\": $(json_str "$TB/keys/client_ed25519"),"
    echo "  \"publicKeyFile\": $(json_str "$TB/keys/client_ed25519.pub"),"
    echo "  \"caFile\": $(json_str "$TB/certs/ca.crt"),"
    echo "  \"caSignedCertFile\": $(json_str "$TB/certs/server.crt"),"
    echo "  \"caSignedKeyFile\": $(json_str "$TB/certs/server.key"),"
    echo "  \"expiredCertFile\": $(json_str "$TB/certs/expired.crt"),"
    echo "  \"wrongNameCertFile\": $(json_str "$TB/certs/wrongname.crt"),"
    echo "  \"fullDiskDir\": $(json_str "$TB/home/$TEST_USER/full"),"
    echo "  \"servers\": {"
    for line in "${SERVERS[@]}"; do
      read -r name kind port range <<<"$line"
      pid=$(<"$TB/run/$name.pid")
      ((first)) || echo ","
      first=0
      printf '    %s: { "host": "127.0.0.1", "port": %s, "kind": %s, "pid": %s, "logFile": %s' \
        "$(json_str "$name")" "$port" "$(json_str "$kind")" "$pid" "$(json_str "$TB/logs/$name.log")"
      if [[ $range != - ]]; then
        printf ', "pasvRange": [%s, %s]' "${range%%:*}" "${range##*:}"
      fi
      case $kind in
        vsftpd)
          local tls=explicit cert=server pasv=127.0.0.1
          case $name in
            vsftpd-nossl) tls=none ;;
            vsftpd-implicit) tls=implicit ;;
            vsftpd-expired) cert=expired ;;
            vsftpd-wrongname) cert=wrongname ;;
            vsftpd-natpasv) pasv=10.255.255.1 ;;
          esac
          printf ', "tls": "%s", "pasvAddress": "%s", "configFile": %s, "xferLogFile": %s' "$tls" "$pasv" \
            "$(json_str "$TB/etc/$name.conf")" "$(json_str "$TB/logs/$name.xferlog")"
          [[ $tls == none ]] || printf ', "certFile": %s' "$(json_str "$TB/certs/$cert.crt")"
          ;;
        pure-ftpd)
          printf ', "tls": "explicit", "pasvAddress": "127.0.0.1", "certFile": %s' "$(json_str "$TB/certs/server.crt")"
          ;;
        proftpd)
          printf ', "configFile": %s, "xferLogFile": %s' "$(json_str "$TB/etc/$name.conf")" "$(json_str "$TB/logs/$name.xferlog")"
          if [[ $name == proftpd-sftp ]]; then
            local fp alg
            read -r fp alg <<<"$(host_key_line "$name")"
            printf ', "hostKeyFingerprint": "%s", "hostKeyAlgorithm": "%s"' "$fp" "$alg"
          else
            printf ', "tls": "explicit", "pasvAddress": "127.0.0.1", "certFile": %s' "$(json_str "$TB/certs/server.crt")"
          fi
          ;;
        sshd)
          local fp alg
          read -r fp alg <<<"$(host_key_line "$name")"
          printf ', "hostKeyFingerprint": "%s", "hostKeyAlgorithm": "%s", "configFile": %s' "$fp" "$alg" \
            "$(json_str "$TB/etc/$name.sshd_config")"
          ;;
      esac
      printf ' }'
    done
    echo
    echo "  }"
    echo "}"
  } >"$out"
  chmod 0600 "$out"
  mv -f "$out" "$TB/testbed.json"
}

cmd_stop() {
  need_root
  [[ -d $TB/run ]] || return 0
  local pf pid pids=() name
  scan_children
  shopt -s nullglob
  for pf in "$TB"/run/*.pid; do
    pid=$(<"$pf") || continue
    if [[ $pid =~ ^[0-9]+$ ]] && pid_alive "$pid" && pid_is_ours "$pid"; then
      # The daemon, then its session children (vsftpd/pure-ftpd sessions; sshd's setsid() children).
      pids+=("$pid" $(descendants "$pid"))
    fi
  done
  shopt -u nullglob
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
  fi
  # Wait for the processes to go and the control ports to close; then insist.
  local deadline=$((SECONDS + STOP_WAIT_S)) busy line port
  while :; do
    busy=()
    for pid in "${pids[@]}"; do pid_alive "$pid" && busy+=("pid $pid"); done
    for line in "${SERVERS[@]}"; do
      read -r name _ port _ <<<"$line"
      [[ -f $TB/run/$name.pid ]] && port_listening "$port" && busy+=("port $port")
    done
    ((${#busy[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
      log "still busy after ${STOP_WAIT_S} s (${busy[*]}): SIGKILL"
      kill -KILL "${pids[@]}" 2>/dev/null || true
      sleep 0.3
      break
    fi
    sleep 0.02
  done
  for line in "${SERVERS[@]}"; do
    read -r name _ port _ <<<"$line"
    if [[ -f $TB/run/$name.pid ]] && port_listening "$port"; then
      die "port $port ($name) still listening after stop"
    fi
  done
  rm -f "$TB"/run/*.pid "$TB"/run/*.syslog "$TB"/run/*.scoreboard*
  rm -f "$TB/testbed.json"
  unmount_full_disk
}

cmd_start() {
  need_root
  [[ -f $TB/installed ]] || die "not installed: run 'bash scripts/testbed.sh install' first"
  local t0=$SECONDS line name kind port
  cmd_stop
  mkdir -p "$TB/run/empty" /run/sshd
  chmod 0755 "$TB/run/empty"
  rmdir "$TB/run/missing-secure-chroot-dir" 2>/dev/null || true
  mount_full_disk
  write_syslog_receiver
  for line in "${SERVERS[@]}"; do
    read -r name _ <<<"$line"
    printf '\n==== %s start %s\n' "$name" "$(date -u +%FT%TZ)" >>"$TB/logs/$name.log"
  done
  # Any failure from here on (set -e) stops whatever was started.
  trap 'rc=$?; if ((rc)); then log "start failed (see above); stopping what was started"; cmd_stop || true; fi' EXIT
  for line in "${SERVERS[@]}"; do
    start_one "$line"
  done
  local failed=0
  for line in "${SERVERS[@]}"; do
    read -r name kind port _ <<<"$line"
    if ! wait_listening "$name" "$port"; then failed=1; fi
  done
  ((failed == 0)) || exit 1
  write_json
  trap - EXIT
  log "started ${#SERVERS[@]} daemons in $((SECONDS - t0)) s; $TB/testbed.json"
}

cmd_status() {
  local line name kind port pid state rc=0
  for line in "${SERVERS[@]}"; do
    read -r name kind port _ <<<"$line"
    pid=$(cat "$TB/run/$name.pid" 2>/dev/null || echo -)
    if [[ $pid != - ]] && pid_alive "$pid" && port_listening "$port"; then state=up
    elif [[ $pid != - ]] && pid_alive "$pid"; then state=not-listening; rc=1
    else state=down; rc=1; fi
    printf '%-18s %-9s 127.0.0.1:%-5s pid %-7s %s\n' "$name" "$kind" "$port" "$pid" "$state"
  done
  return $rc
}

case ${1:-} in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop; log "stopped" ;;
  status) cmd_status ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
