# Scripts the way Kubernetes manifests write them in command: [sh, -c, ...].
#### a retry loop that succeeds
for i in 1 2 3; do echo "attempt $i"; if [ $i -eq 2 ]; then echo ok; break; fi; sleep 0; done
#### waiting until a condition holds
n=0; until [ $n -ge 3 ]; do echo "waiting ($n)"; n=$((n+1)); done; echo ready
#### defaults from the environment
MSG="${GREETING:-Hello} ${NAME:=world}"; echo "$MSG"; echo "$NAME"
#### a required variable is missing
set -e; echo "Starting"; [ -n "$DB_HOST" ] || { echo "DB_HOST is required" >&2; exit 1; }; echo unreachable
#### exit with a custom status when a setting is missing
if [ -z "${API_KEY}" ]; then echo "API_KEY not set"; exit 64; fi
#### a counter with printf
count=0; while [ "$count" -lt 3 ]; do count=$((count + 1)); printf 'tick %d\n' "$count"; done
#### piping into a read loop
printf '%s\n' one two | while read -r line; do echo "got: $line"; done
#### comparing command output
test "$(echo hi)" = hi && echo same; [ "$(printf '')" ] || echo empty-output
#### matching with case
var="hello world"; case "$var" in *world*) echo found;; *) echo missing;; esac
#### a trap is set before the work starts
trap 'echo "Caught signal, exiting"; exit 0' TERM INT; echo running
#### an infinite loop with a break
i=0; while true; do i=$((i+1)); [ $i -gt 3 ] && break; echo $i; done
#### exit before the end
echo start; exit 0; echo never
#### writing a configuration file
mkdir -p conf.d; cat <<EOF > conf.d/app.conf
listen=${PORT:-8080}
name="demo"
EOF
cat conf.d/app.conf
#### reading a configuration file
printf 'a=1\nb=2\n' > env.txt; while IFS='=' read -r key value; do echo "$key is $value"; done < env.txt
#### a typo in the command
echo "Starting app"; pyhton app.py
#### a failing step under set -e
set -e; echo "migrating"; false; echo "done"
#### exit code of the last command
echo "Exit code: $?"; false; echo "Exit code: $?"
