# Builtins: exit, set -e, trap, eval, exec, ., shift, export, readonly, type, command, getopts.
#### exit with a status
exit 3
#### exit status is taken modulo 256
exit 300
#### exit with a bad number
exit foo
#### exit with a negative number
exit -1
#### set -e stops at the first failure
set -e; echo one; false; echo two
#### set -e ignores conditions
set -e; false || true; if false; then :; fi; while false; do :; done; ! true; echo survived
#### set -e and and-or lists
set -e; false && true; echo yes; true && false; echo no
#### set -e in a function called as a condition
set -e; f() { false; echo in-f; }; f || echo caught; echo end
#### set -e and a failing substitution
set -e; x=$(false); echo no
#### set -e and a failing subshell
set -e; (false); echo no
#### set +e
set -e; set +e; false; echo ok
#### set -o errexit and a bad option
set -o errexit; set -o bogus
#### set -x traces commands
set -x; echo hi "a b" $((1)); x=3
#### set -x through functions and substitutions
set -x; f() { echo in; }; f; x=$(echo sub)
#### option letters
set -eu; echo $-; set +eu -f; echo $-
#### positional parameters with set
set -- "a b" c; echo $#; set a; echo $1 $#
#### shift too far
set -- a b; shift 3; echo $?
#### shift with a bad count
shift -1
#### trap on EXIT
trap "echo bye \$?" EXIT; echo main; exit 3
#### trap listing and reset
trap "echo t" TERM INT; trap; trap - INT; trap; trap "" HUP; trap
#### trap with a signal number and a bad name
trap "echo x" 15; trap; trap "echo x" BOGUS; echo $?
#### trap set in a function and in a subshell
f() { trap "echo in" EXIT; }; (trap "echo sub" EXIT; echo a); f; echo after
#### trap TERM sent to the shell
trap "echo caught; exit 7" TERM; kill -TERM $$; echo not
#### trap TERM that does not exit
trap "echo caught" TERM; kill $$; echo continued
#### eval
eval 'x=5; echo $x'; eval echo '$((2+3))'
#### eval with a syntax error
eval "if"; echo $?
#### dot runs a file in this shell
echo 'echo sourced; y=1' > s.sh; . ./s.sh; echo $? $y
#### dot with a missing file
. ./nofile; echo $?
#### exec replaces the shell
exec echo replaced; echo no
#### exec of a missing program
exec nosuch; echo after
#### export and readonly listings
unset PWD HOME PATH; export A=1; export B; export -p; readonly C=2; readonly -p
#### export with a bad name
export 1x=2; echo $?
#### unset a readonly variable
readonly x=1; unset x; echo $?
#### local in a function hides and restores
x=5; f() { local x; echo "[$x]"; x=2; }; f; echo $x
#### type and command -v
type echo; type nosuch; f(){ :; }; type f; type if; command -v echo; command -v nosuch; echo $?
#### command skips functions
echo() { printf 'func\n'; }; command echo builtin; echo
#### getopts
while getopts ab: opt -a -b val rest; do echo "$opt ${OPTARG-}"; done; echo $OPTIND
#### true false and colon
true; echo $?; false; echo $?; :; echo $?
#### cd to a missing directory
cd /nonexistent; echo $?
#### cd and pwd
mkdir -p d/e; cd d/e; basename=${PWD##*/}; echo $basename; cd ..; echo ${PWD##*/}
