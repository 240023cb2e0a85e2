# echo and printf as the shells' builtins print.
#### echo escapes
echo 'a\nb'
#### echo -n
echo -n x; echo y; echo -n
#### echo -e and -E
echo -e 'a\tb'; echo -E 'a\tb'
#### echo \c stops output
echo 'a\cb'; echo z
#### echo octal escapes
echo 'oct\0101\101'
#### echo -- is an argument
echo -- x
#### printf reuses its format
printf '%s-%s\n' a b c
#### printf numbers
printf '%d %i %u\n' 42 -3 5; printf '%x %o %X %c\n' 255 8 255 hello
#### printf width and precision
printf '%5s|%-5s|%5.2s|%*d|\n' ab cd abcdef 5 3; printf '%03d %.2f %e\n' 7 3.14159 1000
#### printf %b
printf '%b\n' 'a\tb\101'
#### printf without a newline
printf 'no newline'
#### printf numeric conversions of strings
printf '%d\n' 0x10 010 "'A"
#### printf with a bad number
printf '%d\n' 42 abc 3x
#### printf with an empty number
printf '%d\n' ''
#### printf without arguments for its conversions
printf '%s|%d\n'
#### printf percent sign
printf '%%\n'
#### printf without a format
printf
#### printf with an invalid directive
printf '%q\n' x
#### printf hexadecimal escape
printf 'a\x41\n'
