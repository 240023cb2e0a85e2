# Arithmetic expansion: C operators on 64-bit integers, variables, errors.
#### operators and precedence
echo $((1+2*3)) $((7/2)) $((-7/2)) $((-7%3)) $((1<<4)) $((5>3)) $((10 >> 1 | 1 ^ 3 & 2))
#### comparisons and logic
echo $((1 < 2)) $((2 <= 1)) $((1 == 1)) $((1 != 1)) $((1 && 0)) $((0 || 2)) $((!0)) $((~0))
#### variables
x=3; echo $((x+1)) $(($x*2)); unset y; echo $((y+1))
#### assignment operators
echo $((x=5)) $x; echo $((x+=2)) $((x-=1)) $((x*=3)) $((x/=2)) $((x%=5)) $x
#### conditional operator
echo $((1?2:3)) $((0?2:3)) $((3 > 2 ? 10 : 20))
#### hexadecimal and octal
echo $((0x1f + 010)) $((010 + 0X10))
#### overflow wraps
echo $((9223372036854775807+1)) $((-9223372036854775807-1))
#### negative values
a=-3; echo $((a+1)) $((-a)) $((!a)) $((~a))
#### blanks around a number in a variable
a=" 5"; echo $((a+1)); a="5 "; echo $((a+1))
#### a counting loop
i=0; while [ $i -lt 5 ]; do i=$((i+1)); done; echo $i
#### exponent and increment are BusyBox extensions
x=5; echo $((2**3)) $((x++)) $x
#### comma operator
echo $((x = 2, y = 3, x*y))
#### a variable holding an expression
a="1+2"; echo $((a*2))
#### a variable holding a name
b=a; a=4; echo $((b+1))
#### a variable holding text
a=abc; echo $((a+1))
#### short-circuit evaluation
echo $((0 && (x=5))) x=$x
#### division by zero
echo $((1/0)); echo after
#### modulo by zero in an assignment
x=$((7 % 0)); echo after
#### missing operand
echo $((1+))
#### two numbers in a row
echo $((1 2))
#### invalid octal
echo $((09))
#### empty expression
echo $(( ))
#### unbalanced parentheses
echo $(( (1+2 ))
