/*
 * Entry of the Xen-headers example guest (docs/boot-protocol.md section 9).
 * memvisor enters in 64-bit mode at CPL0 with a stack, the device tree in
 * %rdi and an identity map: nothing to set up before C.
 */
	.section .text.start, "ax"
	.globl _start
_start:
	call guest_main /* RSP is 16-byte aligned here, as the ABI wants */
	ud2             /* guest_main powers off; no IDT: a triple fault */

	.section .note.GNU-stack, "", @progbits
