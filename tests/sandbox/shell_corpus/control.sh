# Lists and compound commands: && || ; ! if/elif/else, for, while, until, case, break/continue.
#### and-or lists
true && echo and; false || echo or; false && echo no; true || echo no; echo $?
#### negation
! false; echo $?; ! true; echo $?
#### if elif else
x=2; if [ $x -eq 1 ]; then echo one; elif [ $x -eq 2 ]; then echo two; else echo other; fi
#### if without a branch taken
if false; then echo no; fi; echo $?
#### multi-line if
if true
then
  echo yes
fi
#### for loop
for i in a b c; do echo $i; done
#### for over nothing
for x in; do echo $x; done; echo e
#### for over positional parameters
set -- 1 2; for x; do echo "[$x]"; done
#### while loop
x=1; while [ $x -lt 4 ]; do echo $x; x=$((x+1)); done
#### until loop
n=0; until [ $n -ge 3 ]; do n=$((n+1)); done; echo $n
#### break and continue
for i in 1 2 3 4 5; do [ $i = 2 ] && continue; [ $i = 4 ] && break; echo $i; done
#### break out of two loops
for a in 1 2; do for b in x y; do echo $a$b; break 2; done; done; echo out
#### break outside a loop
break; echo still
#### break 0
for i in 1; do break 0; done
#### loop status
for i in 1; do false; done; echo $?; while false; do :; done; echo $?
#### case with patterns
case hello in h*o) echo glob;; esac; case x in [abc]) echo no;; [!abc]) echo neg;; esac
#### case alternatives and defaults
case ab in a|ab) echo alt;; esac; case zz in a) echo a;; *) echo default;; esac
#### case with parentheses and empty arms
case x in (x) ;; (y) echo y;; esac; echo $?
#### case with quoted and variable patterns
x='*'; case abc in $x) echo pat;; esac; case abc in "$x") echo lit;; esac; case "a b" in "a b") echo q;; esac
#### case character classes
case A in [[:upper:]]) echo upper;; esac; case 5 in [0-9]) echo digit;; esac
#### case on an empty word
case '' in "") echo empty;; esac
#### case with in as a word
case in in in) echo y;; esac
#### brace group and subshell
{ echo a; echo b; }; (echo c; exit 3); echo $?
#### subshell does not change the parent
x=1; (x=2; echo $x); echo $x
#### pipelines
echo a | cat; true | false; echo $?; false | true; echo $?
#### a pipeline element runs in a subshell
x=1; echo a | read x; echo $x
#### background job and wait
(echo bg) & wait; echo fg; (exit 3) & wait $!; echo $?
#### wait for an unknown process
wait 99999; echo $?
