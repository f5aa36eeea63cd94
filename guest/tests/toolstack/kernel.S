/* The DomU kernel the toolstack test creates domains with: hello.elf's
 * bytes (TS_KERNEL, the build's path), in both builds of the test. */
	.section .rodata
	.balign 16
	.globl ts_kernel
	.globl ts_kernel_end
ts_kernel:
	.incbin TS_KERNEL
ts_kernel_end:
	.section .note.GNU-stack, "", @progbits
