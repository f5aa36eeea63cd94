/*
 * Bench guest "cpl0": bare port-I/O exits from CPL0, the way a guest that
 * never leaves CPL0 would make them (no runtime at all; see
 * docs/boot-protocol.md section 7). Compared with the runtime's CPL3 exits
 * by `memvisor bench hypercall`. Marker protocol of ../common/bench.h:
 * 7 phases (tag 1) of 2000 bare exits, then tag 0, then poweroff.
 */
#define HCALL_PORT 0xea
#define HC_MARK 126
#define HC_NULL 127
#define HC_SCHED_OP 29

	.text
	.globl _start
_start:
	mov $7, %r12d
1:	mov $HC_MARK, %eax
	mov $1, %edi
	out %eax, $HCALL_PORT
	mov $2000, %r13d
2:	mov $HC_NULL, %eax
	out %eax, $HCALL_PORT
	dec %r13d
	jnz 2b
	dec %r12d
	jnz 1b
	mov $HC_MARK, %eax
	xor %edi, %edi
	out %eax, $HCALL_PORT

	mov $HC_SCHED_OP, %eax /* sched_op(SCHEDOP_shutdown, &poweroff) */
	mov $2, %edi
	lea reason(%rip), %rsi
	out %eax, $HCALL_PORT
	ud2

	.data
reason:
	.long 0

	.section .note.GNU-stack, "", @progbits
