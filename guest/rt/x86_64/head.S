/*
 * Freestanding entry (docs/boot-protocol.md). Runs at CPL0, where the
 * host's KVM emulates every instruction, so it does only what needs CPL0:
 * load our GDT/TSS/IDT, snapshot the hypervisor CPUID leaves, install the
 * hypercall page, set FS (the stack protector's canary lives at %fs:0x28),
 * then iretq to CPL3 with IOPL=3 and IF=1.
 * The IDT entries themselves are filled in later at CPL3 (arch.c).
 *
 * Interrupts (rt/irq.h): IF is set for CPL3 so that hosts which honour it
 * deliver the upcall vector there; whether a handler may run is the
 * runtime's own flag (irq.c), because sti/cli fault at CPL3 on some hosts.
 * Vectors 32-255 enter the stubs at rt_irq_stubs through gates whose code
 * segment is the CPL3 one, so the CPU stays at CPL3 on the interrupted
 * stack.
 *
 * Entry: rdi = device tree, rsi = boot area, rdx = its size.
 */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x23
#define SEL_UCODE 0x2b
#define SEL_TSS 0x30
#define RFLAGS_USER 0x3002 /* IOPL=3, reserved bit 1, IF=0 */
#define RFLAGS_USER_IF 0x3202 /* the same with IF=1 */
#define IDT_VECTORS 256
#define RT_MAX_CPUS 8 /* rt/smp.h */
#define RT_CPUID_HV_LEAVES 16 /* most leaves rt_cpuid_hv keeps */

	.section .text.head, "ax"
	.code64
	.globl _start
_start:
	mov %rdi, rt_boot_dt(%rip)
	mov %rsi, rt_boot_area(%rip)
	lgdt rt_gdt_desc(%rip)

	/* TSS descriptor base (the GDT entry at SEL_TSS) */
	lea rt_tss(%rip), %rax
	lea rt_gdt+SEL_TSS(%rip), %rbx
	mov %ax, 2(%rbx)
	shr $16, %rax
	mov %al, 4(%rbx)
	mov %ah, 7(%rbx)
	shr $16, %rax
	mov %eax, 8(%rbx)
	mov $SEL_TSS, %ax
	ltr %ax
	mov $SEL_KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	lidt rt_idt_desc(%rip)

	/*
	 * Snapshot the hypervisor CPUID leaves (0x40000000 and up to
	 * RT_CPUID_HV_LEAVES - 1 more, as many as its EAX names) into
	 * rt_cpuid_hv, here at CPL0 where the vCPU's CPUID table answers on
	 * every host; rt_cpuid() (arch.c) answers those leaves from it later,
	 * because on some hosts a CPUID at CPL3 is answered by the outer
	 * hypervisor instead. Then Xen discovery from the snapshot: the
	 * signature, and the hypercall-page MSR from leaf 0x40000002.
	 */
	lea rt_cpuid_hv(%rip), %rdi
	mov $0x40000000, %eax
	xor %ecx, %ecx
	cpuid
	mov %eax, 0(%rdi)
	mov %ebx, 4(%rdi)
	mov %ecx, 8(%rdi)
	mov %edx, 12(%rdi)
	mov $1, %r9d /* leaves to keep: 1 unless EAX names a hypervisor leaf */
	sub $0x40000000, %eax
	cmp $0xff, %eax
	ja 3f
	lea 1(%rax), %r9d
	cmp $RT_CPUID_HV_LEAVES, %r9d
	jbe 3f
	mov $RT_CPUID_HV_LEAVES, %r9d
3:
	mov %r9d, rt_cpuid_hv_count(%rip)
	mov $1, %r8d
4:
	cmp %r9d, %r8d
	jae 5f
	lea 0x40000000(%r8), %eax
	xor %ecx, %ecx
	cpuid
	add $16, %rdi
	mov %eax, 0(%rdi)
	mov %ebx, 4(%rdi)
	mov %ecx, 8(%rdi)
	mov %edx, 12(%rdi)
	inc %r8d
	jmp 4b
5:
	cmpl $0x566e6558, rt_cpuid_hv+4(%rip) /* "XenV" */
	jne 1f
	cmpl $0x65584d4d, rt_cpuid_hv+8(%rip) /* "MMXe" */
	jne 1f
	cmpl $0x4d4d566e, rt_cpuid_hv+12(%rip) /* "nVMM" */
	jne 1f
	cmpl $3, rt_cpuid_hv_count(%rip)
	jb 1f
	mov rt_cpuid_hv+2*16+4(%rip), %ecx /* leaf 0x40000002 EBX: the MSR */
	lea rt_hypercall_page(%rip), %rax
	mov %rax, %rdx
	shr $32, %rdx
	wrmsr
1:
	mov $0xc0000100, %ecx /* FS base */
	lea rt_tls(%rip), %rax
	mov %rax, %rdx
	shr $32, %rdx
	wrmsr
	mov $0xc0000101, %ecx /* GS base: vCPU 0's struct rt_cpu (rt/smp.h) */
	lea rt_cpus(%rip), %rax
	mov %rax, %rdx
	shr $32, %rdx
	wrmsr

	/* CPL3 keeps the stack the VMM gave us (the boot area's) */
	mov %rsp, %rbx
	pushq $SEL_UDATA
	push %rbx
	pushq $RFLAGS_USER_IF
	pushq $SEL_UCODE
	lea rt_user_entry(%rip), %rax
	push %rax
	iretq

/*
 * A secondary vCPU's entry (rt/smp.h, VCPUOP_initialise's state: CPL0,
 * long mode on vCPU 0's page tables, the VMM's boot GDT): rdi = its struct
 * rt_cpu, rsi = the selector of its own TSS (filled in by vCPU 0 at
 * CPL3), rsp = the top of its stack (16-byte aligned). The same tables as
 * vCPU 0, its own TSS (a busy TSS cannot be loaded twice), the same FS
 * (the stack protector's canary), GS = its struct rt_cpu; then CPL3.
 */
	.globl rt_secondary_start
rt_secondary_start:
	lgdt rt_gdt_desc(%rip)
	ltr %si
	mov $SEL_KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	lidt rt_idt_desc(%rip)
	mov %rdi, %rbx
	mov $0xc0000100, %ecx /* FS base */
	lea rt_tls(%rip), %rax
	mov %rax, %rdx
	shr $32, %rdx
	wrmsr
	mov $0xc0000101, %ecx /* GS base */
	mov %rbx, %rax
	mov %rax, %rdx
	shr $32, %rdx
	wrmsr
	mov %rsp, %rax
	pushq $SEL_UDATA
	push %rax
	pushq $RFLAGS_USER_IF
	pushq $SEL_UCODE
	lea rt_secondary_entry(%rip), %rax
	push %rax
	mov %rbx, %rdi
	iretq

/*
 * Exceptions: record what happened and leave CPL0 at once, entering
 * rt_fault_entry at CPL3 on a stack of its own. A second fault before the
 * first was reported means the report itself broke: triple-fault so the
 * VMM reports it instead.
 */
.macro VEC n, has_err
	.globl rt_vec\n
rt_vec\n:
	.if \has_err == 0
	pushq $0
	.endif
	pushq $\n
	jmp exc_common
.endm

	.text
	VEC 0, 0
	VEC 1, 0
	VEC 2, 0
	VEC 3, 0
	VEC 4, 0
	VEC 5, 0
	VEC 6, 0
	VEC 7, 0
	VEC 8, 1
	VEC 9, 0
	VEC 10, 1
	VEC 11, 1
	VEC 12, 1
	VEC 13, 1
	VEC 14, 1
	VEC 15, 0
	VEC 16, 0
	VEC 17, 1
	VEC 18, 0
	VEC 19, 0
	VEC 20, 0
	VEC 21, 1
	VEC 22, 0
	VEC 23, 0
	VEC 24, 0
	VEC 25, 0
	VEC 26, 0
	VEC 27, 0
	VEC 28, 0
	VEC 29, 1
	VEC 30, 1
	VEC 31, 0

exc_common:
	incl rt_fault_depth(%rip)
	cmpl $1, rt_fault_depth(%rip)
	jne rt_triple_fault
	/* frame: vector, error, rip, cs, rflags, rsp, ss */
	mov 0(%rsp), %rax
	mov %rax, rt_fault_info+0(%rip)
	mov 8(%rsp), %rax
	mov %rax, rt_fault_info+8(%rip)
	mov 16(%rsp), %rax
	mov %rax, rt_fault_info+16(%rip)
	mov 24(%rsp), %rax
	mov %rax, rt_fault_info+24(%rip)
	mov 40(%rsp), %rax
	mov %rax, rt_fault_info+32(%rip)
	mov %cr2, %rax
	mov %rax, rt_fault_info+40(%rip)
	add $16, %rsp
	lea rt_fault_entry(%rip), %rax
	mov %rax, 0(%rsp)
	movq $SEL_UCODE, 8(%rsp)
	movq $RFLAGS_USER, 16(%rsp)
	lea rt_fault_stack_top(%rip), %rax
	mov %rax, 24(%rsp)
	movq $SEL_UDATA, 32(%rsp)
	iretq

/*
 * Interrupt vectors 32-255, entered at CPL3 (the gate's code segment is
 * SEL_UCODE) on the interrupted stack: one 16-byte stub per vector pushes
 * its number; the common part saves the registers a C call may clobber,
 * aligns the stack, clears DF as the ABI wants, and calls
 * rt_irq_deliver(vector).
 *
 * The way back is not iretq: at CPL3 kvm_pvm emulates iretq (about 40 us
 * on the project's AMD host, measured in docs/events.md), while popfq and
 * ret run natively. The interrupted rflags and rip are written just below
 * the interrupted rsp (free: no red zone in this runtime), rsp is pointed
 * there, and "popfq; ret" resumes the interrupted code. Same privilege and
 * segments, so nothing else needs restoring. Those 16 bytes can overlap
 * only the frame's rsp and ss slots, read before they are written.
 */
	.balign 16
	.globl rt_irq_stubs
rt_irq_stubs:
	.set irqv, 32
	.rept IDT_VECTORS - 32
	.balign 16
	pushq $irqv
	jmp rt_irq_common
	.set irqv, irqv + 1
	.endr

/* Saved area, from %rbx up: rbx r11 r10 r9 r8 rdi rsi rdx rcx rax (0-72),
 * the stub's vector (80), then the CPU's frame: rip cs rflags rsp ss
 * (88-120). */
rt_irq_common:
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	push %rbx
	mov %rsp, %rbx
	and $-16, %rsp
	cld
	mov 80(%rbx), %edi
	call rt_irq_deliver
	mov %rbx, %rsp
	mov 112(%rsp), %rax /* interrupted rsp */
	mov 104(%rsp), %rcx /* interrupted rflags */
	mov 88(%rsp), %rdx  /* interrupted rip */
	mov %rcx, -16(%rax)
	mov %rdx, -8(%rax)
	sub $16, %rax
	mov %rax, 80(%rsp)  /* the vector's slot: where "pop %rsp" finds it */
	pop %rbx
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	pop %rsp
	popfq
	ret

/* CPL3 entries: rsp is 16-byte aligned here, as before a call */
rt_user_entry:
	call rt_arch_start_c
	ud2
rt_fault_entry:
	call rt_fault_c
	ud2
rt_secondary_entry:
	call rt_secondary_c
	ud2

	.globl rt_triple_fault
rt_triple_fault:
	lidt rt_null_idt_desc(%rip)
	ud2

	.section .rodata
	.balign 8
	.globl rt_vec_table
rt_vec_table:
	.quad rt_vec0
	.quad rt_vec1
	.quad rt_vec2
	.quad rt_vec3
	.quad rt_vec4
	.quad rt_vec5
	.quad rt_vec6
	.quad rt_vec7
	.quad rt_vec8
	.quad rt_vec9
	.quad rt_vec10
	.quad rt_vec11
	.quad rt_vec12
	.quad rt_vec13
	.quad rt_vec14
	.quad rt_vec15
	.quad rt_vec16
	.quad rt_vec17
	.quad rt_vec18
	.quad rt_vec19
	.quad rt_vec20
	.quad rt_vec21
	.quad rt_vec22
	.quad rt_vec23
	.quad rt_vec24
	.quad rt_vec25
	.quad rt_vec26
	.quad rt_vec27
	.quad rt_vec28
	.quad rt_vec29
	.quad rt_vec30
	.quad rt_vec31

	.data
	.balign 16
	.globl rt_gdt
rt_gdt:
	.quad 0
	.quad 0x00af9b000000ffff /* 0x08 code, 64-bit, DPL0 */
	.quad 0x00cf93000000ffff /* 0x10 data, DPL0 */
	.quad 0x00cffb000000ffff /* 0x18 code, 32-bit, DPL3 (unused) */
	.quad 0x00cff3000000ffff /* 0x20 data, DPL3 */
	.quad 0x00affb000000ffff /* 0x28 code, 64-bit, DPL3 */
	.quad 0x0000890000000067 /* 0x30 TSS, base filled in at boot */
	.quad 0
	/* 0x40 + 16 * (n - 1): the TSS of vCPU n, filled in by rt_vcpu_start */
	.fill 16 * (RT_MAX_CPUS - 1), 1, 0
rt_gdt_end:

	.balign 16
rt_gdt_desc:
	.word rt_gdt_end - rt_gdt - 1
	.quad rt_gdt

	.balign 16
rt_idt_desc:
	.word IDT_VECTORS * 16 - 1
	.quad rt_idt

	.balign 16
rt_null_idt_desc:
	.word 0
	.quad 0

	.balign 16
rt_tss:
	.long 0
	.quad rt_kernel_stack_top /* rsp0 */
	.fill 88, 1, 0
	.word 104 /* no I/O bitmap: IOPL=3 allows every port */
	.globl rt_tss

	.bss
	.balign 4096
	.globl rt_hypercall_page
rt_hypercall_page:
	.fill 4096, 1, 0
	.globl rt_idt
rt_idt:
	.fill IDT_VECTORS * 16, 1, 0
	.balign 64
	.globl rt_tls
rt_tls:
	.fill 64, 1, 0
	.globl rt_boot_dt
rt_boot_dt:
	.quad 0
	.globl rt_boot_area
rt_boot_area:
	.quad 0
	.globl rt_fault_info
rt_fault_info:
	.fill 48, 1, 0
	.globl rt_fault_depth
rt_fault_depth:
	.long 0
	.balign 16
	.globl rt_cpuid_hv
rt_cpuid_hv:
	.fill RT_CPUID_HV_LEAVES * 16, 1, 0
	.globl rt_cpuid_hv_count
rt_cpuid_hv_count:
	.long 0
	.balign 4096
	.fill 8192, 1, 0
rt_kernel_stack_top:
	.fill 16384, 1, 0
	.globl rt_fault_stack_top
rt_fault_stack_top:

	.section .note.GNU-stack, "", @progbits
