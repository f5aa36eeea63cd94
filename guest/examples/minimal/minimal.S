/*
 * The smallest memvisor guest (docs/boot-protocol.md, "A minimal guest").
 * It stays at CPL0, so every instruction here is emulated on hosts
 * without hardware virtualization: fine for a dozen of them.
 */
	.text
	.globl _start
_start:
	/* Is this Xen? CPUID 0x40000000 returns "XenVMMXenVMM" in ebx:ecx:edx. */
	mov $0x40000000, %eax
	cpuid
	cmp $0x566e6558, %ebx
	jne fail
	/* CPUID 0x40000002: ebx = the hypercall-page MSR. */
	mov $0x40000002, %eax
	cpuid
	mov %ebx, %ecx
	lea hypercall_page(%rip), %rax
	mov %rax, %rdx
	shr $32, %rdx
	wrmsr

	/* console_io(CONSOLEIO_write, length, buffer): hypercall 18 */
	mov $0, %edi
	mov $(msg_end - msg), %esi
	lea msg(%rip), %rdx
	call hypercall_page + 18 * 32

	/* sched_op(SCHEDOP_shutdown, &reason): hypercall 29 */
	mov $2, %edi
	lea shutdown_reason(%rip), %rsi
	call hypercall_page + 29 * 32
fail:
	ud2 /* no IDT: the VMM reports a triple fault */

	.data
msg:
	.ascii "Hello from the minimal guest\n"
msg_end:
	.balign 4
shutdown_reason:
	.long 0 /* SHUTDOWN_poweroff */

	.bss
	.balign 4096
hypercall_page:
	.fill 4096, 1, 0

	.section .note.GNU-stack, "", @progbits
