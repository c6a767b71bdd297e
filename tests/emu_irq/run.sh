#!/usr/bin/env bash
# tests/emu_irq/run.sh EMULATOR EMU_IRQ.elf PKI_DIR -- the interrupt test image
# (tests/emu_irq/irq_image.c, Black Pill + W5500) in the emulator against the test
# servers (scripts/run-firmware.sh), with --profile. Checks: the 1 kHz SysTick
# delay of 20 ticks took 20 ms of CYCCNT (+-1), SVC #7 seen by its handler, a line
# sent by USART1's TXE interrupt (one interrupt per byte, one more to stop), the
# page fetched (HTTP 200) with the W5500's INTn interrupts (EXTI0) arriving during
# the fetch, PendSV runs each preempted by EXTI1 (nested priorities), a BusFault
# handled with BFAR = the address read; then the division by zero escalated to a
# HardFault that reaches the image's `b .` handler: exit 0x75, the fault report
# with DIVBYZERO, FORCED, the faulting function and a symbolized backtrace; the
# profile's folded stacks show the SysTick handler under "[exception SysTick]";
# --console-baud 9600 stops the image (it sends at 115200) and the report states
# the rate used.
# Prints "ok"/"not ok" lines; exit status 1 if any failed.
set -uo pipefail
emu=$1 elf=$2 pki=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run=$here/../../scripts/run-firmware.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

WF_EMU_SECONDS=30 "$run" "$emu" "$elf" "$pki" main -- --profile "$work/prof.txt" >"$work/out" 2>&1
rc=$?
tr -d '\r' <"$work/out" >"$work/console" # the console ends its lines with CR LF
out=$work/console

why=()
ms=$(sed -n 's/^\[emu-irq\] systick delay 20 ticks: \([0-9]*\) ms by CYCCNT.*/\1/p' "$out")
[[ -n $ms ]] || why+=("no delay line")
[[ -n $ms ]] && ((ms < 19 || ms > 21)) && why+=("20 ticks took $ms ms")
verdict "1 kHz SysTick drives a 20 ms delay" "${why[@]}"

why=()
grep -q '^\[emu-irq\] svc 7$' "$out" || why+=("the SVC handler did not see #7")
verdict "SVC: the handler reads the immediate through the stacked PC" "${why[@]}"

why=()
grep -q '^\[emu-irq\] usart1 sent this line from its TXE interrupt$' "$out" || why+=("the line is missing")
line=$(grep '^\[emu-irq\] usart1 interrupts' "$out")
n=$(sed -n 's/^\[emu-irq\] usart1 sent this line from its TXE interrupt$/&/p' "$out" | head -n1 | wc -c)
[[ $line == "[emu-irq] usart1 interrupts $((n + 1)) for $n bytes" ]] || # the line and its LF
  why+=("expected $((n + 1)) interrupts for $n bytes: $line")
verdict "USART1 TXE interrupts send a console line, one byte each" "${why[@]}"

why=()
grep -q '^fetched [0-9]* bytes, HTTP 200' "$out" || why+=("no page")
grep -q 'Hello from nginx on www.example.test' "$out" || why+=("page content missing")
line=$(grep '^\[emu-irq\] fetch returned' "$out")
[[ $line =~ returned\ 0\;\ INTn\ interrupts\ ([0-9]+)\ \(INTn\ low\ in\ ([0-9]+)\) ]] || why+=("no INTn line: $line")
if ((${#why[@]} == 0)); then
  ((BASH_REMATCH[1] >= 1)) || why+=("no INTn interrupt")
  ((BASH_REMATCH[2] == BASH_REMATCH[1])) || why+=("INTn was high in a handler: $line")
fi
verdict "the page is fetched with SysTick running and W5500 INTn (EXTI0) interrupts" "${why[@]}"

why=()
line=$(grep '^\[emu-irq\] ticks' "$out")
if [[ $line =~ ticks\ ([0-9]+),\ pendsv\ ([0-9]+),\ exti1\ ([0-9]+),\ nested\ ([0-9]+) ]]; then
  ((BASH_REMATCH[2] >= 1)) || why+=("PendSV never ran")
  ((BASH_REMATCH[2] == BASH_REMATCH[1] / 100)) || why+=("PendSV runs != ticks / 100: $line")
  ((BASH_REMATCH[4] == BASH_REMATCH[2])) || why+=("EXTI1 did not preempt PendSV each time: $line")
else
  why+=("no counts line")
fi
verdict "PendSV every 100 ticks, preempted by the higher-priority EXTI1" "${why[@]}"

why=()
grep -q '^\[emu-irq\] busfault CFSR 0x00008200 BFAR 0x60000000$' "$out" ||
  why+=("$(grep busfault "$out" || echo 'no busfault line')")
verdict "an unmapped read is a precise BusFault (BFARVALID, BFAR) taken by the handler" "${why[@]}"

why=()
((rc == 0x75)) || why+=("exit $rc, expected 0x75 (117)")
grep -q 'HardFault (raised by: UDIV by zero at 0x' "$out" || why+=("stop message")
grep -q 'CFSR 0x02000000: DIVBYZERO' "$out" || why+=("CFSR not decoded")
grep -q 'HFSR 0x40000000: FORCED' "$out" || why+=("HFSR not decoded")
grep -Eq 'faulting pc: 0x[0-9A-F]{8}  emu_irq_divide\+0x' "$out" || why+=("faulting pc not symbolized")
grep -Eq 'handler: 0x[0-9A-F]{8}  emu_irq_default_handler\+0x0' "$out" || why+=("handler not named")
grep -Eq '#1 0x[0-9A-F]{8}  __wrap_wf_board_exit\+' "$out" || why+=("backtrace #1")
grep -Eq '#[0-9]+ 0x[0-9A-F]{8}  main\+' "$out" || why+=("backtrace does not reach main")
verdict "division by zero with DIV_0_TRP: HardFault FORCED at a default handler, exit 0x75, report" "${why[@]}"

why=()
if [[ -s $work/prof.txt.folded ]]; then
  grep -q ';\[exception SysTick\];systick_handler ' "$work/prof.txt.folded" || why+=("no SysTick frame")
  grep -q ';\[exception PendSV\];pendsv_handler ' "$work/prof.txt.folded" || why+=("no PendSV frame")
  grep -q ';\[exception PendSV\];pendsv_handler;\[exception IRQ7 EXTI1-4\];exti1_handler ' \
    "$work/prof.txt.folded" || why+=("EXTI1 not nested in PendSV")
else
  why+=("no profile written")
fi
verdict "the profile shows handlers under their exception frames" "${why[@]}"

why=()
"$emu" --console-baud 9600 --max-seconds 5 "$elf" >"$work/baud" 2>&1
brc=$?
((brc == 0x73)) || why+=("exit $brc, expected 0x73")
grep -q 'the console expects 9600 +- 2% (--console-baud)' "$work/baud" || why+=("no message")
"$emu" --console-baud 115200 --max-instructions 20000000 "$elf" >"$work/baud" 2>&1
grep -q '^console: USART1 at 115207 Bd (BRR 0x0364); expected 115200' "$work/baud" || why+=("rate not reported")
verdict "--console-baud: another rate stops the run with the rule, the report states the rate" "${why[@]}"

if ((failed)); then
  echo "# console and emulator output:"
  tail -n 60 "$out" | sed 's/^/#   /'
fi
exit $((failed > 0))
