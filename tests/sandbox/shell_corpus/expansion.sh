# Parameter expansion: defaults, assignments, errors, lengths, patterns; special parameters.
#### unset parameter with :? and no message
echo ${X:?}
#### unset parameter with a message stops the script
echo ${X:?custom msg}; echo after
#### empty but set parameter with ?
X=; echo "[${X?unset}]"
#### assign a default
: ${X:=def}; echo $X; unset Y; echo ${Y:=7} $Y; Z=5; echo ${Z:=9} $Z
#### defaults and alternatives
echo ${unset:-default} ${unset-dash} "${unset:+alt}" ${HOME:+set}
#### set but empty
x=""; echo "${x:-empty}" "[${x-notused}]" "[${x:+alt}]" "[${x+alt}]"
#### default words are split when unquoted
echo ${x:-a  b}; set -- ${x:-a b c}; echo $#; set -- "${x:-a b c}"; echo $#
#### length
x=hello; echo ${#x} ${#nope} "${#HOME}"
#### prefix and suffix removal
x=hello.tar.gz; echo ${x%.*} ${x%%.*} ${x#*.} ${x##*.}
#### path manipulation
x=/a/b/c; echo ${x##*/} ${x%/*}
#### quoted patterns
x='a*c'; echo ${x#"a*"} ${x#a*}
#### positional parameters
set -- a b c; echo $# $@ $*; shift; echo $1 "$2"; echo ${3:-none}
#### $@ and $* quoted
set -- "a b" c; for w in "$@"; do echo "[$w]"; done; for w in $@; do echo "[$w]"; done; echo "$*"
#### $* joins with the first IFS character
set -- a b c; IFS=-; echo "$*"; IFS=; echo "$*"
#### no positional parameters
set --; for w in "$@"; do echo x; done; echo "[$*]" $#
#### $0 and $#
echo $0 $#
#### exit status and option flags
false; echo $?; true; echo $?; set -e; echo $-
#### set -u stops at an unset variable
set -u; echo ${NOPE-fallback}; echo $NOPE; echo after
#### readonly variables
readonly A=1; A=2; echo no
#### unset variables
x=1; unset x; echo ${x-unset}
#### bad substitution
echo ${a b}
#### missing brace
echo ${X
#### field splitting on IFS
IFS=:; x=a:b::c; for w in $x; do echo "[$w]"; done
#### IFS whitespace and non-whitespace
IFS=': '; x='a : b'; set -- $x; echo $#; x='  lead  trail  '; IFS=' '; set -- $x; echo $# "[$1]"
#### empty expansions disappear unless quoted
e=; set -- $e "$e" x; echo $#
#### tilde
echo ~ ~/dir "~"
#### file name patterns
touch a.txt b.txt c.log .hidden; echo *.txt; echo *.none; echo ?.log; echo *
#### patterns in directories
mkdir -p sub/dir; touch sub/dir/f1 sub/f2; echo sub/*; echo sub/*/*
#### set -f turns patterns off
touch g1; set -f; echo g*; set +f; echo g*
