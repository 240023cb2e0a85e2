# test and [: every operator, POSIX argument-count rules, and the errors of each shell.
#### empty string is zero length
[ -z "" ]; echo $?
#### unset variable tested with -z exits 0 silently
test -z "$X"
#### -n on empty and non-empty
[ -n "" ]; echo $?; [ -n "x" ]; echo $?
#### single argument is true when non-empty
[ x ]; echo $?; [ "" ]; echo $?; [ -n ]; echo $?; [ -z ]; echo $?
#### no arguments is false
test; echo $?; [ ]; echo $?
#### string equality and inequality
[ abc = abc ] && echo eq; [ abc != abd ] && echo ne; [ "a b" = "a b" ] && echo spaces
#### string ordering
[ a \< b ]; echo $?; [ b \> a ]; echo $?
#### == is BusyBox only
[ a == a ]; echo $?
#### integer comparisons
[ 1 -eq 1 ] && [ 1 -ne 2 ] && [ 2 -gt 1 ] && [ 2 -ge 2 ] && [ 1 -lt 2 ] && [ 1 -le 1 ] && echo ints
#### integers with signs and blanks
[ -1 -lt 0 ]; echo $?; [ +5 -eq 5 ]; echo $?; [ " 5" -eq 5 ]; echo $?; [ "5 " -eq 5 ]; echo $?
#### missing right operand of -lt
[ 1 -lt ]
#### missing closing bracket
[ 1 -lt 2
#### not a number
test a -eq 1; echo $?; [ 1 -lt a ]; echo $?
#### empty string is not a number
[ "" -eq 0 ]; echo $?
#### hexadecimal is not a number for test
[ 0x10 -eq 16 ]; echo $?
#### out of range
[ 99999999999999999999 -gt 1 ]; echo $?
#### negation
[ ! -z "" ]; echo $?; [ ! a = b ]; echo $?; [ ! ]; echo $?
#### -a and -o
[ 3 -gt 2 -a 2 -gt 1 ]; echo $?; [ a = a -o b = c ]; echo $?; [ a = b -o b = c ]; echo $?
#### parentheses
[ \( a = a \) -a \( b = c \) ]; echo $?; [ \( -z a \) -o \( -n b \) ]; echo $?
#### dangling -a
test 1 -eq 1 -a; echo $?; [ a -a ]; echo $?
#### extra operand
test a b; echo $?; [ 1 -eq 1 2 ]; echo $?; [ a ] ]; echo $?
#### unknown unary operator
test -q x; echo $?
#### operators as operands
[ = = = ]; echo $?; [ ! = ! ]; echo $?; [ -a ]; echo $?; [ \( ]; echo $?
#### empty parentheses
[ \( \) ]; echo $?
#### unbalanced parenthesis
test \( x -a \); echo $?
#### -t on a pipe and on a non-number
[ -t 1 ]; echo $?; [ -t x ]; echo $?
#### regular files
touch f; [ -f f ] && echo file; [ -e f ] && echo exists; [ -s f ] || echo empty; [ -x f ] || echo notexec
#### non-empty readable writable file
echo hi > f; [ -s f ] && echo nonempty; [ -r f -a -w f ] && echo rw
#### directories
mkdir d; [ -d d ] && echo dir; [ -f d ] || echo notfile; [ -x d ] && echo searchable; [ -d . ] && echo dot
#### missing files and links
[ -e nothere ] || echo missing; [ -f nothere ] || echo nofile; [ -L nothere ] || echo nolink
#### character device
[ -c /dev/null ]; echo $?; [ -f /dev/null ]; echo $?; [ -e /dev/null ]; echo $?
#### same file
touch a; [ a -ef a ]; echo $?; [ a -ef b ]; echo $?
