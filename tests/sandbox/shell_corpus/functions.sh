# Functions: arguments, return, local variables, scope, recursion.
#### arguments and return status
f() { echo "args: $# $1"; return 4; }; f a b; echo $?
#### return without a value keeps the last status
f() { false; return; }; f; echo $?
#### positional parameters are restored
set -- outer; f() { echo $1; }; f inner; echo $1
#### shift inside a function
g() { echo "$@"; shift; echo "$@"; }; g 1 2 3
#### local variables
h() { local v=inner; echo $v; }; v=outer; h; echo $v
#### local outside a function
local y=1
#### exit inside a function ends the script
f() { exit 4; echo no; }; f; echo no
#### function output redirected
f() { echo in; }; f > out; cat out
#### functions see globals
x=1; f() { x=2; }; f; echo $x
#### function with a subshell body
f() ( echo sub ); f
#### recursion
fact() { if [ $1 -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }; fact 5
#### return at top level ends the script
return 2; echo after
#### unset a function
f() { echo f; }; unset -f f; f
