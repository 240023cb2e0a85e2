# BusyBox ash's bash extensions, and how dash (without them) fails on the same scripts.
#### substrings
x=abcdef; echo ${x:1:3} ${x:2} ${x: -2} ${x:1:-1} "[${x:10}]" "[${x:0:0}]"
#### replacement
x=aXbXc; echo ${x/X/-} ${x//X/-} ${x/X} ${x//[Xb]/_}
#### double brackets
[[ abc == a* ]] && echo glob; [[ "a b" = "a b" ]] && echo quoted; [[ -n x && 1 -lt 2 ]] && echo and; [[ a = b || a = a ]] && echo or
#### double brackets without their end
[[ a ]; echo $?
#### let
let x=1+2 y=x*2; echo $x $y $?; let 0; echo $?
#### function keyword
function f { echo hi; }; f
#### pipefail
set -o pipefail; false | true; echo $?; true | false | true; echo $?
#### set -euo pipefail
set -euo pipefail; echo started; false | true; echo no
#### source
echo 'echo sourced' > s.sh; source ./s.sh
#### ANSI-C quotes
echo $'tab\there'
#### both outputs to a file
echo out &> f; cat f
#### an unknown option of read
read -t 1 x < /dev/null; echo $?
#### RANDOM is a number in BusyBox
case "$RANDOM" in *[!0-9]*) echo text;; '') echo empty;; *) echo number;; esac
