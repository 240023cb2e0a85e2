# How failures are reported: syntax errors, missing commands, and where the script stops.
#### unknown command exits 127
foo
#### the script goes on after a missing command
echo a; foo; echo b
#### the line number of a missing command
echo a
foo
#### a missing command on a continued line
echo a \
  b; foo
#### a missing command inside a function
echo
f() {
  foo
}
f
#### a missing path
./nosuch; /nosuch/x; echo $?
#### a file that is not executable
touch nx; ./nx; echo $?
#### a directory is not a command
mkdir d; ./d; echo $?
#### if without fi
if true; then echo x
#### fi alone
fi
#### done after a command
echo a; done
#### case without esac
case x in
#### case arm without ;;
case x in a) echo
#### empty if branch
if true; then fi
#### empty group and subshell
{ }
#### empty subshell
( )
#### empty loop body
while true; do done
#### function without a body
f()
#### bad for variable
for 1 in a; do :; done
#### for without do
for x in a b; echo
#### missing redirection target
echo >
#### redirection target on the next line
echo >
echo next
#### unexpected parenthesis
a=1 (
#### doubled pipe
echo a | | b
#### doubled negation
! ! true
#### empty condition
if ; then fi
#### stray double semicolon
echo a;;
#### semicolon after an ampersand
echo a &;
#### closing brace as an argument
{ echo a }
#### an extra closing brace
{ echo a; }; }
#### a syntax error on a later line runs the lines before
echo before
if
#### an and-list without its second command
echo a &&
